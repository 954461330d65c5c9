#!/usr/bin/env node
// Cairn's browser-test runner.
//
//   node web/tests/run.mjs [FILTER...]
//
// 1. Starts the cairn binary on a free port with a fresh temporary SQLite database and demo data:
//      $CAIRN_BIN serve --demo $CAIRN_TEST_SERVER_ARGS
//    with, in its environment,
//      CAIRN_LISTEN=127.0.0.1:<free port>
//      CAIRN_DATABASE_URL=sqlite://<temp dir>/cairn.db     (or $CAIRN_TEST_DATABASE_URL)
//      CAIRN_DEMO_PASSWORD=<the demo users' password>      (default demo-password-123)
//      CAIRN_SMTP_HOST/PORT pointing at the SMTP test server when CAIRN_TEST_SMTP_PORT is set
//    and its working directory in that temporary directory; then waits for GET /healthz = 200.
//    CAIRN_BIN defaults to the newer of target/debug/cairn and target/release/cairn.
//    If CAIRN_BASE_URL is set, no server is started and the tests run against that URL.
// 2. Runs every test in web/tests/*.test.mjs (each exports `tests = [{ name, fn }]`, see lib.mjs),
//    one after another, each in a fresh browser context, printing `ok - …` / `not ok - …`.
//    FILTER arguments keep only tests whose "file name" contains one of them.
//    A test also fails on an uncaught page error or any 5xx response it saw.
// 3. Stops the server and prints `browser: N passed, M failed`; exits 1 on any failure.
//
// The server's output goes to web/test-results/server.log; failing tests leave a screenshot there.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { demoPassword, launch, setBaseUrl } from './lib.mjs'

const testsDir = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(testsDir, '..', '..')
const resultsDir = path.join(repoRoot, 'web', 'test-results')
const filters = process.argv.slice(2)
const TEST_TIMEOUT_MS = Number(process.env.CAIRN_TEST_TIMEOUT_MS ?? 120_000)
const STARTUP_TIMEOUT_MS = Number(process.env.CAIRN_TEST_STARTUP_TIMEOUT_MS ?? 120_000)

let passed = 0
let failed = 0
let server = null
let tempDir = null

function log (line = '') { process.stdout.write(line + '\n') }
function ms (since) { return `${Math.round(performance.now() - since)} ms` }
function indent (text, by = '    ') { return String(text).split('\n').map(l => by + l).join('\n') }
function slug (text) { return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) }

function shown (p) {
  const rel = path.relative(repoRoot, p)
  return rel && !rel.startsWith('..') ? rel : p
}

function findBinary () {
  if (process.env.CAIRN_BIN) return path.resolve(process.env.CAIRN_BIN)
  const candidates = ['debug', 'release']
    .map(profile => path.join(repoRoot, 'target', profile, 'cairn'))
    .filter(p => fs.existsSync(p))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)
  if (candidates.length === 0) {
    throw new Error('no cairn binary: run `cargo build -p cairn` first (scripts/test does), or set CAIRN_BIN')
  }
  return candidates[0]
}

function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function tail (file, lines = 40) {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd()
    return text ? text.split('\n').slice(-lines).join('\n') : '(the server printed nothing)'
  } catch {
    return '(no server output)'
  }
}

async function startServer () {
  const bin = findBinary()
  const port = await freePort()
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-browser-'))
  const databaseUrl = process.env.CAIRN_TEST_DATABASE_URL ?? `sqlite://${path.join(tempDir, 'cairn.db')}`
  const extraArgs = (process.env.CAIRN_TEST_SERVER_ARGS ?? '').split(/\s+/).filter(Boolean)
  const args = ['serve', '--demo', ...extraArgs]
  const logFile = path.join(resultsDir, 'server.log')
  const out = fs.openSync(logFile, 'w')
  const started = performance.now()
  log(`server: ${shown(bin)} ${args.join(' ')} on 127.0.0.1:${port} (log: ${shown(logFile)})`)

  const child = spawn(bin, args, {
    cwd: tempDir,
    env: {
      ...process.env,
      CAIRN_LISTEN: `127.0.0.1:${port}`,
      CAIRN_DATABASE_URL: databaseUrl,
      CAIRN_DEMO_PASSWORD: demoPassword,
      // Receipts and feedback go to the SMTP test server scripts/test started, if any; the
      // journeys read what arrived from its directory (see emailTo in lib.mjs).
      ...(process.env.CAIRN_TEST_SMTP_PORT
        ? { CAIRN_SMTP_HOST: '127.0.0.1', CAIRN_SMTP_PORT: process.env.CAIRN_TEST_SMTP_PORT, CAIRN_SMTP_TLS: 'none', CAIRN_JOBS_POLL_SECONDS: '1' }
        : {})
    },
    stdio: ['ignore', out, out],
    detached: true // its own process group, so stopping it also stops anything it started
  })
  fs.closeSync(out)
  server = { child, exited: null }
  child.on('exit', (code, signal) => { server.exited = { code, signal } })
  child.on('error', err => { server.exited = { code: null, signal: null, err } })

  const baseUrl = `http://127.0.0.1:${port}`
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  let lastError = 'no answer yet'
  while (Date.now() < deadline) {
    if (server.exited) {
      const { code, signal, err } = server.exited
      throw new Error(`the server exited before answering /healthz (${err ? err.message : signal ? `signal ${signal}` : `exit code ${code}`}). Last output:\n${tail(logFile)}`)
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) })
      if (response.status === 200) {
        log(`server: healthy after ${ms(started)}`)
        return baseUrl
      }
      lastError = `/healthz answered ${response.status}`
    } catch (err) {
      lastError = err.cause?.code ?? err.message
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`the server did not answer /healthz within ${STARTUP_TIMEOUT_MS} ms (${lastError}). Last output:\n${tail(logFile)}`)
}

async function stopServer () {
  if (!server) return
  const { child } = server
  if (!server.exited && child.pid) {
    const exited = new Promise(resolve => child.once('exit', resolve))
    try { process.kill(-child.pid, 'SIGTERM') } catch {}
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch {} }, 5000)
    await exited
    clearTimeout(timer)
  }
  server = null
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true })
  tempDir = null
}

function killServerNow () {
  if (server && !server.exited && server.child.pid) {
    try { process.kill(-server.child.pid, 'SIGKILL') } catch {}
  }
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true })
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`\n${signal}: stopping`)
    killServerNow()
    process.exit(130)
  })
}
process.on('exit', killServerNow)

function withTimeout (promise, timeoutMs, what) {
  let timer
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function loadTests () {
  const files = fs.readdirSync(testsDir).filter(f => f.endsWith('.test.mjs')).sort()
  const all = []
  for (const file of files) {
    try {
      const mod = await import(pathToFileURL(path.join(testsDir, file)).href)
      if (!Array.isArray(mod.tests)) throw new Error('does not export `tests = [{ name, fn }]`')
      for (const t of mod.tests) {
        if (typeof t?.name !== 'string' || typeof t?.fn !== 'function') {
          throw new Error(`has a test without a string name and a function fn: ${JSON.stringify(t?.name)}`)
        }
        all.push({ file, name: t.name, fn: t.fn })
      }
    } catch (err) {
      all.push({ file, name: '(loading the file)', loadError: err })
    }
  }
  return all.filter(t => filters.length === 0 || filters.some(f => `${t.file} ${t.name}`.includes(f)))
}

async function runTest (browser, baseUrl, test) {
  const label = `${test.file.replace(/\.test\.mjs$/, '')} › ${test.name}`
  const started = performance.now()
  if (test.loadError) {
    failed++
    log(`not ok - ${label}`)
    log(indent(test.loadError.stack ?? test.loadError))
    return
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const pageErrors = []
  const serverErrors = []
  const consoleErrors = []
  page.on('pageerror', err => pageErrors.push(err.message))
  page.on('console', msg => { if (msg.type() === 'error') consoleErrors.push(msg.text()) })
  page.on('response', r => { if (r.status() >= 500) serverErrors.push(`${r.status()} ${r.request().method()} ${r.url()}`) })
  try {
    await withTimeout(test.fn({ browser, context, page, baseUrl }), TEST_TIMEOUT_MS, 'the test')
    const problems = [
      ...pageErrors.map(e => `uncaught page error: ${e}`),
      ...serverErrors.map(e => `server error: ${e}`)
    ]
    if (problems.length > 0) throw new Error(problems.join('\n'))
    passed++
    log(`ok - ${label} (${ms(started)})`)
  } catch (err) {
    failed++
    log(`not ok - ${label} (${ms(started)})`)
    log(indent(err?.stack ?? err))
    if (consoleErrors.length > 0) log(indent(`browser console errors:\n${consoleErrors.join('\n')}`))
    if (!page.isClosed()) {
      log(indent(`page: ${page.url()}`))
      const shot = path.join(resultsDir, `${slug(label)}.png`)
      try {
        await page.screenshot({ path: shot, fullPage: true, timeout: 10_000 })
        log(indent(`screenshot: ${path.relative(repoRoot, shot)}`))
      } catch {}
    }
  } finally {
    await context.close().catch(() => {})
  }
}

async function main () {
  const started = performance.now()
  fs.mkdirSync(resultsDir, { recursive: true })
  for (const f of fs.readdirSync(resultsDir)) {
    if (f.endsWith('.png')) fs.rmSync(path.join(resultsDir, f), { force: true })
  }

  let baseUrl = process.env.CAIRN_BASE_URL
  let browser = null
  try {
    if (baseUrl) {
      log(`server: using CAIRN_BASE_URL=${baseUrl}`)
    } else {
      baseUrl = await startServer()
    }
    setBaseUrl(baseUrl)

    const tests = await loadTests()
    if (tests.length === 0) {
      throw new Error(filters.length > 0 ? `no test matches ${filters.join(', ')}` : 'no tests found in web/tests/*.test.mjs')
    }
    const launched = performance.now()
    browser = await launch()
    log(`browser: ${browser.version()} launched in ${ms(launched)}; ${tests.length} test(s)`)
    for (const test of tests) await runTest(browser, baseUrl, test)
  } catch (err) {
    failed++
    log(`not ok - set-up`)
    log(indent(err?.stack ?? err))
  } finally {
    if (browser) await browser.close().catch(() => {})
    await stopServer()
  }
  log(`browser tests took ${(Math.round(performance.now() - started) / 1000).toFixed(1)} s`)
  log(`browser: ${passed} passed, ${failed} failed`)
  process.exitCode = failed > 0 ? 1 : 0
}

await main()

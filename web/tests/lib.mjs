// Helpers for Cairn's browser tests (see run.mjs for the runner and how the server is started).
//
// A test file is `web/tests/<something>.test.mjs` and exports
//
//   export const tests = [
//     { name: 'a referrer records a contact', fn: async ({ page, baseUrl }) => { ... } },
//   ]
//
// Each test gets a fresh browser context (no cookies) and page: `{ browser, context, page, baseUrl }`.
// Throw (or use node:assert) to fail. Call `expectNoAxeViolations(page, label)` on every page a
// journey visits.

import { chromium } from 'playwright-core'
import { AxeBuilder } from '@axe-core/playwright'

/** Debian's Chromium. playwright-core never downloads a browser of its own. */
export const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium'

/** WCAG 2.2 AA, as axe tags it. Only `target-size` carries `wcag22aa` in axe 4.14. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

/** The demo users' password (the demo generator reads the same variable). */
export const demoPassword = process.env.CAIRN_DEMO_PASSWORD ?? 'demo-password-123'

/** Where the sign-in form lives. */
export const SIGN_IN_PATH = process.env.CAIRN_SIGN_IN_PATH ?? '/sign-in'

/**
 * The server under test, without a trailing slash. run.mjs sets it (and CAIRN_BASE_URL) before it
 * loads any test file; this is a live binding, so importers always see the current value.
 */
export let baseUrl = (process.env.CAIRN_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')

export function setBaseUrl (url) {
  baseUrl = url.replace(/\/+$/, '')
  process.env.CAIRN_BASE_URL = baseUrl
}

/** Launches headless Debian Chromium. Close it with `await browser.close()`. */
export async function launch (options = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ],
    ...options
  })
}

/** `baseUrl` + path. */
export function url (path) {
  return new URL(path, baseUrl + '/').toString()
}

/** Goes to a path and throws unless the response is 2xx/3xx. Returns the response. */
export async function visit (page, path, { status } = {}) {
  const response = await page.goto(url(path))
  if (!response) throw new Error(`no response for ${path}`)
  if (status !== undefined ? response.status() !== status : response.status() >= 400) {
    throw new Error(`GET ${path} answered ${response.status()}${status !== undefined ? ` (expected ${status})` : ''}`)
  }
  return response
}

/**
 * Signs in through the sign-in form: fills the fields labelled "Username" (or "Email") and
 * "Password", presses "Sign in", and throws if the page still shows an error summary or the
 * sign-in form.
 */
export async function signIn (page, username, password = demoPassword) {
  await visit(page, SIGN_IN_PATH)
  await page.getByLabel(/^(username|user name|email( address)?)$/i).fill(username)
  // exact: the GOV.UK password input's toggle button is labelled "Show password".
  await page.getByLabel('Password', { exact: true }).fill(password)
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Sign in', exact: true }).click()
  ])
  const summary = page.locator('.govuk-error-summary')
  if (await summary.count() > 0) {
    throw new Error(`sign-in as ${username} failed: ${(await summary.first().innerText()).replace(/\s+/g, ' ').trim()}`)
  }
  if (new URL(page.url()).pathname === SIGN_IN_PATH) {
    throw new Error(`sign-in as ${username} stayed on ${SIGN_IN_PATH}`)
  }
}

/**
 * Runs axe with the WCAG 2.2 AA tags and throws listing every violation (id, impact, help and the
 * offending elements). Returns the axe results (look at `incomplete` by hand).
 */
export async function expectNoAxeViolations (page, label = page.url()) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze()
  if (results.violations.length > 0) {
    const lines = results.violations.map(v => {
      const targets = v.nodes.map(n => '      ' + formatTarget(n.target)).join('\n')
      return `  [${v.impact ?? 'unknown'}] ${v.id}: ${v.help} (${v.helpUrl})\n${targets}`
    })
    throw new Error(`axe found ${results.violations.length} violation(s) on ${label}:\n${lines.join('\n')}`)
  }
  return results
}

function formatTarget (target) {
  // A target is a selector list; frames and shadow roots nest as arrays.
  return target.map(t => Array.isArray(t) ? t.join(' >>> ') : t).join(' ')
}

/**
 * Waits for an email to `address` at the SMTP test server (scripts/smtp-test-server.py writes a
 * JSON summary of each message into CAIRN_TEST_SMTP_DIR) and returns the newest summary
 * `{ subject, text_body, attachments: [{ filename, content_type }] … }` after `count - 1` others.
 * Throws when the server is not running or nothing arrives in time.
 */
export async function emailTo (address, { count = 1, timeoutMs = 20_000 } = {}) {
  const dir = process.env.CAIRN_TEST_SMTP_DIR
  if (!dir) throw new Error('CAIRN_TEST_SMTP_DIR is not set: run the browser tests through scripts/test, which starts the SMTP test server')
  const fs = await import('node:fs')
  const path = await import('node:path')
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const files = fs.readdirSync(dir).filter(f => f.endsWith('.json'))
    const found = []
    for (const f of files) {
      const summary = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))
      if (String(summary.recipient).toLowerCase() === address.toLowerCase()) found.push({ file: f, ...summary })
    }
    if (found.length >= count) {
      found.sort((a, b) => a.file.localeCompare(b.file))
      return found[count - 1]
    }
    if (Date.now() > deadline) throw new Error(`no ${count === 1 ? 'email' : `email number ${count}`} to ${address} arrived within ${timeoutMs} ms (${dir})`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

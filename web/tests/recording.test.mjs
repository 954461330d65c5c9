// Recording, as a social worker and their team manager click it, with axe on every page: the
// worker writes a visit note about two siblings and flags it significant → it appears in both
// children's chronologies → the worker amends it with a reason and the history shows both
// versions → the manager records a supervision session discussing one child, with a decision
// and an action for the worker → the decision is pinned on the child's page and the action is
// in the worker's "My work" → the chronology is exported as a PDF, which opens.

import assert from 'node:assert/strict'
import { expectNoAxeViolations, signIn, url, visit } from './lib.mjs'

function squash (text) {
  return String(text).replace(/\s+/g, ' ').trim()
}

async function click (page, locator) {
  await Promise.all([page.waitForLoadState('load'), locator.click()])
  await page.waitForLoadState('load')
}

async function signOut (page) {
  await click(page, page.getByRole('button', { name: 'Sign out' }))
}

/** Today in England, as [day, month, year]. */
function todayInEngland () {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London', year: 'numeric', month: 'numeric', day: 'numeric'
  }).formatToParts(new Date()).map(p => [p.type, p.value]))
  return [Number(parts.day), Number(parts.month), Number(parts.year)]
}

async function fillToday (page, prefix) {
  const [d, m, y] = todayInEngland()
  await page.locator(`#${prefix}-day`).fill(String(d))
  await page.locator(`#${prefix}-month`).fill(String(m))
  await page.locator(`#${prefix}-year`).fill(String(y))
}

async function mainText (page) {
  return squash(await page.locator('main').innerText())
}

// ---- what the journey shares between its steps ----

let childId = ''
let siblingId = ''
let noteId = ''
let workerName = ''
const STAMP = Date.now().toString(36)
const TITLE = `Home visit with both children ${STAMP}`
const AMENDED_TITLE = `Home visit with both children (corrected) ${STAMP}`
const DECISION = `Keep the children at home with daily school checks ${STAMP}`
const ACTION = `Arrange a family group conference ${STAMP}`

export const tests = [
  {
    name: 'the worker writes a significant visit note about two siblings',
    fn: async ({ page }) => {
      await signIn(page, 'social.worker')
      await visit(page, '/my-work')
      const hrefs = await page.locator('main a[href^="/people/"]').evaluateAll(
        links => [...new Set(links.map(a => a.getAttribute('href')).filter(h => /^\/people\/[0-9a-f-]{36}$/.test(h)))])
      assert.ok(hrefs.length > 0, 'the worker has children in their work')

      const header = squash(await page.locator('.cairn-sign-out').innerText())
      workerName = header.match(/Signed in as (.+) \([^)]*\)/)?.[1]
      assert.ok(workerName, 'the header names the worker')

      // The first child allocated to the worker whose note form offers a brother or sister.
      for (const href of hrefs) {
        await visit(page, href)
        const allocated = page.locator('.govuk-summary-list__row').filter({ hasText: 'Allocated worker' }).first().locator('dd')
        if (await allocated.count() === 0 || squash(await allocated.innerText()) !== workerName) continue
        await visit(page, `${href}/notes/new`)
        const id = href.split('/').pop()
        const values = await page.locator('input[name="about"]').evaluateAll(inputs => inputs.map(i => i.value))
        const other = values.find(v => v !== id)
        if (other) {
          childId = id
          siblingId = other
          break
        }
      }
      assert.ok(childId, 'one of the worker\'s children has a sibling on the note form')
      await expectNoAxeViolations(page, 'the new note form')

      await page.getByLabel('Visit', { exact: true }).check()
      await fillToday(page, 'occurred')
      await page.getByLabel('Time of the event').fill('00:05')
      await page.getByLabel('Title').fill(TITLE)
      await page.getByLabel('Note', { exact: true }).fill('Both children were at home with their mother. The kitchen had food in it and the children\'s rooms were tidy. The older child said school is going better.')
      await page.locator(`input[name="about"][value="${siblingId}"]`).check()
      for (const id of [childId, siblingId]) {
        await page.locator(`input[name="seen"][value="${id}"]`).check()
      }
      await page.locator('input[name="significant"]').first().check()
      await click(page, page.getByRole('button', { name: 'Finalise the note' }))

      assert.match(new URL(page.url()).pathname, /^\/notes\/[0-9a-f-]{36}$/, 'the finalised note is shown')
      noteId = new URL(page.url()).pathname.split('/').pop()
      const text = await mainText(page)
      assert.ok(text.includes(TITLE), 'the note page shows the title')
      await expectNoAxeViolations(page, 'the finalised note')
      await signOut(page)
    }
  },
  {
    name: 'the note is in both children\'s chronologies',
    fn: async ({ page }) => {
      assert.ok(noteId, 'the previous step wrote a note')
      await signIn(page, 'social.worker')
      for (const id of [childId, siblingId]) {
        await visit(page, `/people/${id}/chronology?significant=1&order=newest`)
        assert.ok((await mainText(page)).includes(TITLE), `the chronology of ${id} shows the note`)
        await expectNoAxeViolations(page, `the chronology of ${id}`)
      }
      await visit(page, `/people/${childId}/chronology/family`)
      await expectNoAxeViolations(page, 'the family chronology')
      await signOut(page)
    }
  },
  {
    name: 'the worker amends the note with a reason and the history shows both versions',
    fn: async ({ page }) => {
      await signIn(page, 'social.worker')
      await visit(page, `/notes/${noteId}`)
      await click(page, page.getByRole('link', { name: /Amend/ }).first())
      await expectNoAxeViolations(page, 'the amend form')

      // Without a reason the amendment is refused, and nothing typed is lost.
      await page.getByLabel('Title').fill(AMENDED_TITLE)
      await click(page, page.getByRole('button', { name: 'Save the amendment' }))
      assert.equal(await page.locator('.govuk-error-summary').count(), 1, 'an amendment needs a reason')
      assert.equal(await page.getByLabel('Title').inputValue(), AMENDED_TITLE, 'the new title is kept')
      await expectNoAxeViolations(page, 'the amend form with an error')

      await page.getByLabel('Reason for the amendment').fill('The visit was in the morning, and the title should say the children were seen together.')
      await click(page, page.getByRole('button', { name: 'Save the amendment' }))
      const text = await mainText(page)
      assert.ok(text.includes(AMENDED_TITLE), 'the note shows the amended title')
      assert.ok(text.includes(TITLE), 'the history keeps the first version')
      assert.ok(text.includes('The visit was in the morning'), 'the history shows the reason')
      await expectNoAxeViolations(page, 'the amended note with its history')

      await visit(page, `/people/${siblingId}/chronology?significant=1&order=newest`)
      assert.ok((await mainText(page)).includes(AMENDED_TITLE), 'the sibling\'s chronology follows the amendment')
      await signOut(page)
    }
  },
  {
    name: 'the manager records supervision discussing the child, with a decision and an action',
    fn: async ({ page }) => {
      await signIn(page, 'team.manager')
      await visit(page, '/supervision')
      await expectNoAxeViolations(page, 'the supervision page')
      const link = page.locator('main a[href^="/supervision/new?worker="]').filter({ hasText: /./ })
      const hrefs = await link.evaluateAll(as => as.map(a => a.getAttribute('href')))
      assert.ok(hrefs.length > 0, 'the manager can record supervision for their workers')

      // The worker whose open cases include the child.
      let found = false
      for (const href of hrefs) {
        const response = await page.goto(url(href))
        if (response.status() !== 200) continue
        const select = page.locator('select[id$="person"]').first()
        if (await select.locator(`option[value="${childId}"]`).count() > 0) {
          await select.selectOption(childId)
          found = true
          break
        }
      }
      assert.ok(found, `the child ${childId} is among a supervisee's open cases (${hrefs.join(', ')})`)
      await expectNoAxeViolations(page, 'the supervision form')

      await fillToday(page, 'held_on')
      await page.getByLabel('Length in minutes').fill('90')
      await page.getByLabel('Reflective discussion').fill('We talked about how the worker builds trust with the older child.')
      await page.getByLabel('Discussion', { exact: true }).first().fill('School attendance has improved; mother is engaging with the family support worker.')
      await page.getByLabel('Decisions (optional)').first().fill(DECISION)
      await page.getByLabel('What needs to happen').first().fill(ACTION)
      const owner = page.getByLabel('Owner with a Cairn account').first()
      await owner.selectOption({ label: workerName })
      const [d, m, y] = todayInEngland()
      await page.locator('#cases-1-actions-1-due-day').fill(String(d))
      await page.locator('#cases-1-actions-1-due-month').fill(String(m))
      await page.locator('#cases-1-actions-1-due-year').fill(String(y + 1))
      await click(page, page.getByRole('button', { name: 'Record the session' }))
      assert.equal(await page.locator('.govuk-error-summary').count(), 0, 'the session is recorded: ' + await mainText(page))
      await expectNoAxeViolations(page, 'the recorded supervision session')

      await visit(page, `/people/${childId}`)
      const pinned = squash(await page.locator('#latest-decision').innerText())
      assert.ok(pinned.includes(DECISION), `the decision is pinned on the child's page: ${pinned}`)
      await expectNoAxeViolations(page, 'the child\'s page with the pinned decision')
      await visit(page, `/people/${childId}/oversight`)
      assert.ok((await mainText(page)).includes(DECISION), 'the oversight tab lists the decision')
      await expectNoAxeViolations(page, 'the oversight and supervision tab')
      await signOut(page)
    }
  },
  {
    name: 'the action is in the worker\'s work, and the chronology exports as a PDF',
    fn: async ({ page }) => {
      await signIn(page, 'social.worker')
      await visit(page, '/my-work')
      assert.ok((await mainText(page)).includes(ACTION), 'the supervision action is in My work')

      await visit(page, `/people/${childId}/chronology`)
      const pdfLink = page.getByRole('link', { name: /PDF/ }).first()
      const href = await pdfLink.getAttribute('href')
      assert.ok(href, 'the chronology links to its PDF')
      const response = await page.request.get(url(href))
      assert.equal(response.status(), 200)
      assert.match(response.headers()['content-type'], /application\/pdf/)
      const body = await response.body()
      assert.equal(body.subarray(0, 5).toString('latin1'), '%PDF-', 'the export is a PDF')
      assert.ok(body.length > 2000, 'the PDF has content')

      // Open it in the browser, as a user would.
      const opened = await page.goto(url(href))
      assert.equal(opened.status(), 200)
      await signOut(page).catch(() => {})
    }
  }
]

// The front door as a practitioner and a manager click it, with axe on every page: a school
// phones about two siblings (one already known, one new) → the receipt email arrives → the
// contact is claimed in the queue → screened against the thresholds → "referral to children's
// social care" → a manager authorises → the feedback email arrives → the referral appears for the
// receiving team.

import assert from 'node:assert/strict'
import { emailTo, expectNoAxeViolations, signIn, visit } from './lib.mjs'

// Names no demo family has, unique per run so the journey can be repeated on one database.
const stamp = Date.now().toString(36).replace(/[0-9]/g, c => 'qwxyzjkvbp'[Number(c)])
const FAMILY = `Ottersley${stamp[0].toUpperCase()}${stamp.slice(1)}`
const REFERRER_EMAIL = `dsl-${stamp}@demton-primary.example.org`

async function click (page, locator) {
  await Promise.all([page.waitForLoadState('load'), locator.click()])
}

async function fillChild (page, given, { day, month, year, sex }) {
  await page.locator('input[name=kind][value=child]').check()
  await page.getByLabel('Given names').fill(given)
  await page.getByLabel('Family name').fill(FAMILY)
  await page.locator('#dob-day').fill(day)
  await page.locator('#dob-month').fill(month)
  await page.locator('#dob-year').fill(year)
  await page.locator(`input[name=sex][value=${sex}]`).check()
  await page.getByLabel('Ethnicity').selectOption('WBRI')
  await page.getByLabel('First language').fill('English')
  await page.locator('input[name=interpreter_needed][value=no]').check()
}

let contactPath = ''
let reference = ''
let teamId = ''

export const tests = [
  {
    name: 'the public threshold document can be read without signing in',
    fn: async ({ page }) => {
      await visit(page, '/thresholds')
      assert.match(await page.locator('h1').innerText(), /./)
      assert.match(await page.locator('main').innerText(), /Children's social care/i)
      await expectNoAxeViolations(page, 'public thresholds')
    }
  },
  {
    name: 'a school phones about two siblings; the receipt is emailed; the contact is screened, authorised and referred',
    fn: async ({ page }) => {
      // An older sibling already known to Cairn.
      await signIn(page, 'frontdoor')
      await visit(page, '/people/new')
      await fillChild(page, 'Maisie', { day: '3', month: '4', year: '2016', sex: 'F' })
      await click(page, page.getByRole('button', { name: 'Save', exact: true }))
      assert.match(new URL(page.url()).pathname, /^\/people\/[0-9a-f-]{36}$/)

      // Step 1: find her by search and add her; create her brother through the duplicate check.
      await visit(page, '/contacts/new')
      await expectNoAxeViolations(page, 'which children')
      await page.getByLabel('Name').fill(`Maisie ${FAMILY}`)
      await click(page, page.getByRole('button', { name: 'Search' }))
      await expectNoAxeViolations(page, 'which children: search results')
      await click(page, page.getByRole('link', { name: `Add to contact Maisie ${FAMILY}` }))
      assert.match(await page.locator('main').innerText(), new RegExp(`Maisie ${FAMILY}`))
      await click(page, page.getByRole('link', { name: 'Add a new child' }))
      await expectNoAxeViolations(page, 'new child from the contact')
      await fillChild(page, 'Oscar', { day: '19', month: '10', year: '2019', sex: 'M' })
      await click(page, page.getByRole('button', { name: 'Save', exact: true }))
      assert.equal(new URL(page.url()).pathname, '/contacts/new', 'back to the contact with the new child added')
      const chosen = await page.locator('main').innerText()
      assert.match(chosen, new RegExp(`Maisie ${FAMILY}`))
      assert.match(chosen, new RegExp(`Oscar ${FAMILY}`))
      await click(page, page.getByRole('button', { name: 'Continue' }).or(page.getByRole('link', { name: 'Continue' })).first())

      // Step 2: the contact, first with a mistake (no concern), then complete.
      await expectNoAxeViolations(page, 'contact details form')
      await page.locator('input[name=channel][value=phone]').check()
      await page.locator('input[name=referrer_kind][value=professional]').check()
      await page.getByLabel('Their name').fill('Ms Priya Shah')
      await page.getByLabel('Their organisation').fill('Demton Primary School')
      await page.getByLabel('Their agency, or relationship to the child').selectOption('school')
      await page.getByLabel('Email address (optional)').fill(REFERRER_EMAIL)
      await page.locator('input[name=categories][value=physical_abuse]').check()
      await page.locator('input[name=consent][value=not_sought]').check()
      await page.getByLabel('About consent').fill('Asking the father could put the children at greater risk.')
      await click(page, page.getByRole('button', { name: 'Record the contact' }))
      const summary = page.locator('.govuk-error-summary')
      assert.equal(await summary.count(), 1, 'an error summary is shown')
      assert.match(await summary.innerText(), /concern/i)
      assert.equal(await page.getByLabel('Their name').inputValue(), 'Ms Priya Shah', 'typed values are kept')
      await expectNoAxeViolations(page, 'contact details form with errors')
      await page.getByLabel("The concern, in the referrer's words").fill('Maisie came to school with a bruise on her cheek and said her dad hit her and her brother last night.')
      await click(page, page.getByRole('button', { name: 'Record the contact' }))

      assert.match(new URL(page.url()).pathname, /^\/contacts\/[0-9a-f-]{36}$/)
      contactPath = new URL(page.url()).pathname
      reference = (await page.locator('main').innerText()).match(/CT-\d{4}-\d{6}/)?.[0] ?? ''
      assert.ok(reference, 'the contact page shows its reference')
      await expectNoAxeViolations(page, 'contact page')

      // The written receipt reaches the referrer by email, with the letter attached.
      const receipt = await emailTo(REFERRER_EMAIL)
      assert.match(receipt.subject, new RegExp(reference))
      assert.match(receipt.text_body, /What happens next/)
      assert.ok(receipt.attachments.some(a => a.content_type === 'application/pdf'), 'the letter is attached')

      // Claim it in the queue.
      await visit(page, '/queue')
      await expectNoAxeViolations(page, 'screening queue')
      await click(page, page.getByRole('button', { name: `Claim ${reference}` }))
      assert.equal(new URL(page.url()).pathname, `${contactPath}/screen`)
      await expectNoAxeViolations(page, 'screening page')
      assert.match(await page.locator('main').innerText(), /history/i)

      // Screen against the thresholds: the highest level, an indicator, the rationale.
      await page.locator('input[name=level]').last().check()
      await page.locator('input[name=indicators]').last().check()
      await page.getByLabel('Rationale').fill('Disclosure of physical harm by a parent to two children; level 4 indicators met; no previous involvement.')
      await page.locator('input[name=rag][value=amber]').check()
      await page.locator('input[name=outcome][value=referral]').check()
      const team = page.getByLabel('Receiving team')
      teamId = await team.locator('option').nth(1).getAttribute('value')
      await team.selectOption(teamId)
      await page.getByLabel('Provisional primary need').selectOption('N1')
      await click(page, page.getByRole('button', { name: 'Record decision' }))
      assert.equal(new URL(page.url()).pathname, contactPath)
      assert.match(await page.locator('main').innerText(), /manager/i)
      await expectNoAxeViolations(page, 'contact waiting for a manager')
      await click(page, page.getByRole('button', { name: 'Sign out' }))
    }
  },
  {
    name: 'a manager authorises the referral; feedback is emailed; the referral reaches the receiving team',
    fn: async ({ page }) => {
      assert.ok(reference && teamId, 'the previous test recorded and screened a contact')
      await signIn(page, 'team.manager')
      await visit(page, '/queue?view=manager')
      await expectNoAxeViolations(page, 'decisions waiting for a manager')
      await click(page, page.getByRole('link', { name: `Review the decision on ${reference}` }))
      await expectNoAxeViolations(page, 'decision to review')
      await page.getByLabel('Comments (optional)').fill('Agreed: refer for a single assessment of both children.')
      await click(page, page.getByRole('button', { name: 'Authorise the decision' }))

      const feedback = await emailTo(REFERRER_EMAIL, { count: 2 })
      assert.match(feedback.subject, new RegExp(reference))
      assert.match(feedback.text_body, /accepted as a referral/)

      await visit(page, `/referrals?team=${teamId}`)
      await expectNoAxeViolations(page, 'referrals for the receiving team')
      const text = await page.locator('main').innerText()
      assert.match(text, new RegExp(`Maisie ${FAMILY}`))
      assert.match(text, new RegExp(`Oscar ${FAMILY}`))

      await visit(page, contactPath)
      assert.match(await page.locator('main').innerText(), /Sent/)
      await expectNoAxeViolations(page, 'contact after the decision')
      await click(page, page.getByRole('button', { name: 'Sign out' }))
    }
  }
]

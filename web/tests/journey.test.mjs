// The foundation journey as a practitioner and an administrator click it, with axe on every page.

import assert from 'node:assert/strict'
import { expectNoAxeViolations, signIn, visit } from './lib.mjs'

// A name no demo family has, made unique per run so the test can be repeated on one database.
const stamp = Date.now().toString(36).replace(/[0-9]/g, c => 'qwxyzjkvbp'[Number(c)])
const GIVEN = 'Zebedee'
const FAMILY = `Quarrington${stamp[0].toUpperCase()}${stamp.slice(1)}`

async function fillChild (page, { nhs = '' } = {}) {
  await page.locator('input[name=kind][value=child]').check()
  await page.getByLabel('Given names').fill(GIVEN)
  await page.getByLabel('Family name').fill(FAMILY)
  await page.locator('#dob-day').fill('14')
  await page.locator('#dob-month').fill('2')
  await page.locator('#dob-year').fill('2018')
  await page.locator('input[name=sex][value=M]').check()
  await page.getByLabel('Ethnicity').selectOption('WBRI')
  await page.getByLabel('First language').fill('English')
  await page.locator('input[name=interpreter_needed][value=no]').check()
  await page.getByLabel('NHS number (optional)').fill(nhs)
}

async function save (page) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Save', exact: true }).click()])
}

let personPath = ''

export const tests = [
  {
    name: 'sign-in page has no axe violations',
    fn: async ({ page }) => {
      await visit(page, '/sign-in')
      await expectNoAxeViolations(page, 'sign in')
    }
  },
  {
    name: 'a practitioner searches, records a child through the duplicate check, views them, and signs out',
    fn: async ({ page }) => {
      await signIn(page, 'social.worker')
      await expectNoAxeViolations(page, 'home')

      // Search first, as practice expects: nobody yet.
      await visit(page, '/people/search')
      await page.getByLabel('Name').fill(`${GIVEN} ${FAMILY}`)
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Search' }).click()])
      await expectNoAxeViolations(page, 'search results')
      assert.match(await page.locator('main').innerText(), /0 people found/)

      // A bad NHS number is refused with an error summary, and what was typed is kept.
      await visit(page, '/people/new')
      await expectNoAxeViolations(page, 'new person form')
      await fillChild(page, { nhs: '943 476 5918' })
      await save(page)
      const summary = page.locator('.govuk-error-summary')
      assert.equal(await summary.count(), 1, 'an error summary is shown')
      assert.match(await summary.innerText(), /NHS number/i)
      assert.equal(await page.getByLabel('Family name').inputValue(), FAMILY, 'typed values are kept')
      await expectNoAxeViolations(page, 'new person form with errors')

      // Corrected, it saves and shows the person.
      await page.getByLabel('NHS number (optional)').fill('')
      await save(page)
      assert.match(new URL(page.url()).pathname, /^\/people\/[0-9a-f-]{36}$/)
      personPath = new URL(page.url()).pathname
      assert.match(await page.locator('.moj-identity-bar').innerText(), new RegExp(FAMILY))
      await expectNoAxeViolations(page, 'person page')

      // The same child again: the duplicate check stops it and shows why.
      await visit(page, '/people/new')
      await fillChild(page)
      await save(page)
      assert.match(await page.locator('h1').innerText(), /may already be recorded/)
      assert.match(await page.locator('main').innerText(), /Same name, same date of birth/)
      await expectNoAxeViolations(page, 'possible duplicates')
      // Choosing the existing record goes to it.
      await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: `${GIVEN} ${FAMILY}` }).first().click()])
      assert.equal(new URL(page.url()).pathname, personPath)

      // Search now finds them, spelling-tolerantly.
      await visit(page, `/people/search?searched=1&name=${encodeURIComponent(GIVEN + ' ' + FAMILY.replace('Quarr', 'Quor'))}`)
      assert.match(await page.locator('main').innerText(), new RegExp(`${GIVEN} ${FAMILY}`))

      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign out' }).click()])
      assert.match(await page.locator('h1').innerText(), /signed out/i)
      await expectNoAxeViolations(page, 'signed out')
    }
  },
  {
    name: 'an administrator sees the practitioner\'s view of the person in the audit log',
    fn: async ({ page }) => {
      assert.ok(personPath, 'the previous test recorded a person')
      const personId = personPath.split('/').pop()
      await signIn(page, 'admin')
      await visit(page, `/admin/audit?person=${personId}`)
      const text = await page.locator('main').innerText()
      assert.match(text, /social\.worker/)
      assert.match(text, /view/i)
      await expectNoAxeViolations(page, 'audit log')
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign out' }).click()])
    }
  }
]

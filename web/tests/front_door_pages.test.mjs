// The other front-door pages each role works in, with axe on every one: the performance figures
// and the late-receipts report, the out-of-hours handover, a manager's referrals and open-case
// contacts, and the administrators' threshold, message and job pages.

import assert from 'node:assert/strict'
import { expectNoAxeViolations, signIn, visit } from './lib.mjs'

async function signOut (page) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign out' }).click()])
}

export const tests = [
  {
    name: 'a performance officer reads the front-door figures and the late-receipts report',
    fn: async ({ page }) => {
      await signIn(page, 'performance')
      await visit(page, '/performance/front-door')
      const charts = page.locator('svg[role=img]')
      assert.ok(await charts.count() >= 5, 'a chart per figure')
      assert.ok(await page.locator('table').count() >= await charts.count(), 'a table beside every chart')
      await expectNoAxeViolations(page, 'front-door performance')
      const csv = await page.request.get(new URL(await page.locator('main a[download]').first().getAttribute('href'), page.url()).toString())
      assert.equal(csv.status(), 200)
      assert.match(csv.headers()['content-type'], /text\/csv/)
      await visit(page, '/reports/receipts')
      await expectNoAxeViolations(page, 'late receipts report')
      await signOut(page)
    }
  },
  {
    name: 'the day team reads last night\'s handover and a manager sees referrals and open-case contacts',
    fn: async ({ page }) => {
      await signIn(page, 'team.manager')
      await visit(page, '/handover')
      assert.match(await page.locator('h1').innerText(), /handover/i)
      await expectNoAxeViolations(page, 'handover')
      await visit(page, '/referrals')
      await expectNoAxeViolations(page, 'referrals')
      await visit(page, '/my-contacts')
      await expectNoAxeViolations(page, 'contacts on open cases')
      await visit(page, '/queue')
      await expectNoAxeViolations(page, 'screening queue as a manager')
      await signOut(page)
    }
  },
  {
    name: 'an administrator reviews thresholds, message wording, undelivered messages and jobs',
    fn: async ({ page }) => {
      await signIn(page, 'admin')
      await visit(page, '/admin/thresholds')
      await expectNoAxeViolations(page, 'threshold versions')
      await Promise.all([page.waitForLoadState('load'), page.locator('main a[href^="/admin/thresholds/"]').first().click()])
      await expectNoAxeViolations(page, 'a threshold version')
      await visit(page, '/admin/messages')
      await expectNoAxeViolations(page, 'message templates')
      await Promise.all([page.waitForLoadState('load'), page.locator('main a[href^="/admin/messages/"]').first().click()])
      await expectNoAxeViolations(page, 'a message template')
      await visit(page, '/admin/messages/undelivered')
      await expectNoAxeViolations(page, 'undelivered messages')
      await visit(page, '/admin/jobs')
      await expectNoAxeViolations(page, 'background jobs')
      await signOut(page)
    }
  }
]

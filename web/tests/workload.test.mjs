// Runs last (files run in name order against one demo server) because it moves cases between
// workers, which the other journeys do not expect.
//
// Caseloads and allocation, as a team manager and a service manager click it, with axe on every
// page: the manager opens the unallocated list → chooses a child → sees the team's workers with
// their loads (allocating children to the busiest until the next would take one over red) →
// tries the worker who would be red (an override reason is required, then given)
// → the allocation is recorded → a snapshot is taken and the dashboard shows the worker red →
// the alert is there for the service manager → the manager reallocates one of the worker's
// cases and the red alert clears.

import assert from 'node:assert/strict'
import { expectNoAxeViolations, signIn, visit } from './lib.mjs'

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

async function mainText (page) {
  return squash(await page.locator('main').innerText())
}

/** A candidate row whose "With this allocation" tag reads `rating` ("Red", "Green"). */
function resultIs (page, rating) {
  return { has: page.locator('td:nth-child(6) .govuk-tag', { hasText: new RegExp(`^\\s*${rating}\\s*$`) }) }
}

/** The open alert cards on the alerts page naming `name` at `level` ("Red", "Amber"). */
function openAlertsFor (page, name, level) {
  return page.locator('.govuk-summary-card').filter({ hasText: name }).filter({
    has: page.locator('.govuk-summary-card__title .govuk-tag', { hasText: level })
  })
}

// ---- what the journey shares between its steps ----

let childId = ''
let redWorkerId = ''
let redWorkerName = ''

export const tests = [
  {
    name: 'the manager allocates waiting children until one worker would go red, then overrides with a reason',
    fn: async ({ page }) => {
      await signIn(page, 'team.manager')
      // Allocate waiting children in the manager's own team, each to the busiest worker, until
      // the next one would take that worker over the red level.
      for (let round = 0; round < 12 && !redWorkerId; round++) {
        await visit(page, '/unallocated')
        if (round === 0) await expectNoAxeViolations(page, 'the unallocated list')
        const team = squash(await page.locator('#team option:checked').innerText())
        const row = page.locator('#unallocated tbody tr').filter({
          has: page.locator('td:nth-child(2)', { hasText: team })
        }).first()
        assert.ok(await row.count() > 0, `a child in ${team} is waiting`)
        childId = (await row.locator('a[href^="/people/"]').first().getAttribute('href')).split('/').pop()
        await click(page, row.getByRole('link', { name: /^Allocate/ }))
        if (round === 0) await expectNoAxeViolations(page, 'the allocation screen')

        const candidates = page.locator('#candidates tbody tr').filter({ has: page.locator('input[name="worker"]') })
        assert.ok(await candidates.count() >= 3, 'the team has at least three workers to choose from')
        assert.match(await mainText(page), /Weighted load/)
        // Brothers and sisters are offered ticked; this journey allocates one child at a time.
        for (const box of await page.locator('input[name="siblings"]').all()) await box.uncheck()
        const red = candidates.filter(resultIs(page, 'Red')).first()
        if (await red.count() > 0) {
          const radio = red.locator('input[name="worker"]')
          redWorkerId = await radio.getAttribute('value')
          redWorkerName = squash(await red.locator('label').innerText()).split(',')[0]
          await radio.check()
          break
        }
        // The busiest worker who stays under red.
        const results = await candidates.locator('td:nth-child(6)').allInnerTexts()
        const percents = results.map(t => Number((t.match(/\((\d+)%\)/) ?? [0, 0])[1]))
        const busiest = percents.reduce((best, p, i) => (p > percents[best] ? i : best), 0)
        await candidates.nth(busiest).locator('input[name="worker"]').check()
        await click(page, page.getByRole('button', { name: 'Allocate', exact: true }))
        assert.equal(await page.locator('.govuk-error-summary').count(), 0, 'an allocation under red needs no override')
      }
      assert.ok(redWorkerId, 'one worker would be red with the next allocation')

      // Red needs a reason to go over the level.
      await click(page, page.getByRole('button', { name: 'Allocate', exact: true }))
      const summary = page.locator('.govuk-error-summary')
      assert.ok(await summary.count() > 0, 'allocating over red without a reason is refused')
      assert.match(squash(await summary.innerText()), /red/i)
      await expectNoAxeViolations(page, 'the override refused')

      await page.locator(`#candidates input[value="${redWorkerId}"]`).check()
      for (const box of await page.locator('input[name="siblings"]').all()) await box.uncheck()
      await page.locator('#override_reason').fill('Knows the family well; a case moves to a colleague this week')
      await click(page, page.getByRole('button', { name: 'Allocate', exact: true }))
      assert.equal(await page.locator('.govuk-error-summary').count(), 0, 'the allocation is recorded')
      await visit(page, `/people/${childId}`)
      assert.match(await mainText(page), new RegExp(`Case held by ${redWorkerName}`))
      await visit(page, `/people/${childId}/allocations`)
      await expectNoAxeViolations(page, 'the allocation history')
      assert.match(await mainText(page), /Knows the family well/)
    }
  },
  {
    name: 'a snapshot shows the worker red on the dashboard',
    fn: async ({ page }) => {
      assert.ok(redWorkerId, 'the first step chose a worker')
      await signIn(page, 'team.manager')
      await visit(page, '/caseloads')
      await click(page, page.getByRole('button', { name: "Take today's snapshot now" }))
      assert.match(await mainText(page), /Success/)
      await expectNoAxeViolations(page, 'the dashboard')
      const overLimits = page.locator('section[aria-labelledby="section-over-limits"]')
      const row = overLimits.locator('tr').filter({ hasText: redWorkerName }).first()
      assert.ok(await row.count() > 0, `${redWorkerName} is listed over the limits`)
      assert.match(squash(await row.innerText()), /red/i)
      await signOut(page)
    }
  },
  {
    name: 'the service manager sees the red alert',
    fn: async ({ page }) => {
      await signIn(page, 'service.manager')
      await visit(page, '/caseloads/alerts')
      await expectNoAxeViolations(page, 'the alerts page')
      assert.ok(await openAlertsFor(page, redWorkerName, 'Red').count() > 0,
        `an open red alert names ${redWorkerName}`)
      await visit(page, '/notifications')
      await expectNoAxeViolations(page, 'the notifications page')
      await signOut(page)
    }
  },
  {
    name: 'the manager reallocates one case and the red alert clears',
    fn: async ({ page }) => {
      await signIn(page, 'team.manager')
      await visit(page, `/workers/${redWorkerId}/reallocation`)
      await expectNoAxeViolations(page, "the worker's work")
      // The heaviest case the worker holds.
      const rows = page.locator('#reallocation tbody tr')
      const weights = await rows.locator('td:nth-child(4)').allInnerTexts()
      assert.ok(weights.length > 0, 'the worker holds cases')
      const heaviest = weights.map(Number).reduce((best, w, i, all) => (w > all[best] ? i : best), 0)
      await click(page, rows.nth(heaviest).getByRole('link', { name: /^Allocate/ }))
      await expectNoAxeViolations(page, 'the reallocation screen')
      // The colleague with the most room after taking the case.
      const others = page.locator('#candidates tbody tr').filter({ has: page.locator('input[name="worker"]') })
      const results = await others.locator('td:nth-child(6)').allInnerTexts()
      const percents = results.map(t => Number((t.match(/\((\d+)%\)/) ?? [0, 1000])[1]))
      const roomiest = percents.reduce((best, p, i) => (p < percents[best] ? i : best), 0)
      assert.ok(await others.count() > 0 && !/Red/.test(results[roomiest]), 'someone in the team has room')
      await others.nth(roomiest).locator('input[name="worker"]').check()
      for (const box of await page.locator('input[name="siblings"]').all()) await box.uncheck()
      await page.locator('#reason').fill('Balancing the team: moved from a worker over the red level')
      await click(page, page.getByRole('button', { name: 'Reallocate', exact: true }))
      assert.equal(await page.locator('.govuk-error-summary').count(), 0, 'the reallocation is recorded')

      await visit(page, '/caseloads/alerts')
      assert.equal(await openAlertsFor(page, redWorkerName, 'Red').count(), 0,
        `no open red alert names ${redWorkerName}`)
      assert.match(await mainText(page), /Back under the (red )?safe working level/)
    }
  }
]

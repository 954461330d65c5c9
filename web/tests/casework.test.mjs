// Casework after the front door, as a social worker and their team manager click it, with axe on
// every page (error re-renders included): a manager allocates a new referral → the worker starts
// an assessment and visits the child, seen alone → a submission without the analysis is refused
// → the complete assessment is submitted → the manager returns it with a comment → the worker
// sees why, amends and resubmits → the manager authorises it with a quality rating → the
// strategy discussion (police and health taking part) starts a section 47 enquiry with its
// conference target → the enquiry's outcome (continuing risk: convene an ICPC) is signed off
// → the initial conference decides on a child protection plan for neglect → the plan shows its
// first review, and the worker's "My work" shows the next statutory visit.

import assert from 'node:assert/strict'
import { expectNoAxeViolations, signIn, visit } from './lib.mjs'

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December']

// ---- dates, as the server sees them (England) ----

/** Today in England, as a UTC midnight Date (only the calendar date matters). */
function todayInEngland () {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London', year: 'numeric', month: 'numeric', day: 'numeric'
  }).formatToParts(new Date()).map(p => [p.type, p.value]))
  return new Date(Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)))
}

function addDays (date, n) {
  return new Date(date.getTime() + n * 86_400_000)
}

function isWeekend (date) {
  return date.getUTCDay() === 0 || date.getUTCDay() === 6
}

/** The date `n` weekdays after `date` (bank holidays would only push the real date later). */
function addWeekdays (date, n) {
  let d = date
  for (let left = n; left > 0;) {
    d = addDays(d, 1)
    if (!isWeekend(d)) left--
  }
  return d
}

/** Calendar months later, the day kept or clamped to the month's last day. */
function addMonths (date, n) {
  const y = date.getUTCFullYear()
  const m = date.getUTCMonth() + n
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate()
  return new Date(Date.UTC(y, m, Math.min(date.getUTCDate(), last)))
}

/** "5 March 2026", as Cairn shows dates. */
function formatLong (date) {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`
}

/** The first "5 March 2026" in `text`, or null. */
function parseLong (text) {
  const m = String(text).match(new RegExp(`(\\d{1,2}) (${MONTHS.join('|')}) (\\d{4})`))
  return m ? new Date(Date.UTC(Number(m[3]), MONTHS.indexOf(m[2]), Number(m[1]))) : null
}

async function fillDate (page, name, date) {
  await page.locator(`#${name}-day`).fill(String(date.getUTCDate()))
  await page.locator(`#${name}-month`).fill(String(date.getUTCMonth() + 1))
  await page.locator(`#${name}-year`).fill(String(date.getUTCFullYear()))
}

// The strategy discussion, the end of the enquiry and the conference all happen on one weekday:
// today, or the most recent weekday when today is a weekend (a conference is never at a weekend
// and none of these may be in the future). The conference is then within its target of 15
// working days from the strategy discussion.
const TODAY = todayInEngland()
let EVENT_DAY = TODAY
while (isWeekend(EVENT_DAY)) EVENT_DAY = addDays(EVENT_DAY, -1)
const EVENT_IS_TODAY = EVENT_DAY.getTime() === TODAY.getTime()

// ---- page helpers ----

function escapeRegExp (text) {
  return String(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

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

/** The value cell of a summary-list row whose key is exactly `key`. */
function summaryValue (page, key) {
  return page.locator('.govuk-summary-list__row')
    .filter({ has: page.locator('dt.govuk-summary-list__key', { hasText: new RegExp(`^\\s*${escapeRegExp(key)}\\s*$`) }) })
    .first()
    .locator('dd')
}

/** The signed-in user's name from the header's "Signed in as Name (Role)". */
async function signedInName (page) {
  const text = squash(await page.locator('.cairn-sign-out').innerText())
  const name = text.match(/Signed in as (.+) \([^)]*\)/)?.[1]
  assert.ok(name, `the header names who is signed in: ${text}`)
  return name
}

function unassignedTable (page) {
  return page.locator('table').filter({ has: page.locator('caption', { hasText: 'New referrals without a named worker' }) })
}

async function notice (page) {
  const banner = page.locator('.govuk-notification-banner--success')
  assert.equal(await banner.count(), 1, 'a success banner is shown')
  return squash(await banner.innerText())
}

async function errorSummary (page) {
  const summary = page.locator('.govuk-error-summary')
  assert.equal(await summary.count(), 1, 'an error summary is shown')
  return summary
}

async function assessmentStatus (page) {
  return squash(await page.locator('#assessment-status').innerText())
}

// ---- what the journey shares between its steps ----

let workerName = ''
let managerName = ''
let referralId = ''
let childName = ''
let assessmentPath = ''
let section47Path = ''
let icpcDue = null
let cpPlanPath = ''
let nextVisit = ''

const RETURN_COMMENT = 'Please say what the nursery and the health visitor told you, and how the home conditions affect the children day to day.'
const ANALYSIS = 'The children have been left without adequate food and supervision for several weeks. Mother recognises the problem but has not been able to change it without help; the risk of significant harm from neglect is continuing.'

export const tests = [
  {
    name: 'a team manager allocates an unassigned referral to the social worker',
    fn: async ({ page }) => {
      await signIn(page, 'social.worker')
      workerName = await signedInName(page)
      await expectNoAxeViolations(page, 'home, as the worker')
      await signOut(page)

      await signIn(page, 'team.manager')
      managerName = await signedInName(page)
      await expectNoAxeViolations(page, 'home, as the manager')
      await visit(page, '/referrals')
      assert.match(await page.locator('h1').innerText(), /Referrals for .*Assessment/)
      await expectNoAxeViolations(page, 'referrals for the manager\'s team')

      // The oldest new referral of a born child, on or before the day the casework happens.
      const rows = unassignedTable(page).locator('tbody tr')
      const count = await rows.count()
      assert.ok(count > 0, 'the team has referrals without a named worker')
      let row = null
      for (let i = 0; i < count && !row; i++) {
        const candidate = rows.nth(i)
        const text = squash(await candidate.innerText())
        const date = parseLong(await candidate.locator('td').nth(1).innerText())
        if (/unborn|age not known|Re-referral/.test(text) || !date || date > EVENT_DAY) continue
        row = candidate
      }
      assert.ok(row, 'an unassigned referral of a born child dated on or before ' + formatLong(EVENT_DAY))
      const link = row.locator('a[href^="/referrals/"]').first()
      referralId = (await link.getAttribute('href')).split('/').pop()
      childName = squash(await link.innerText())
      assert.match(referralId, /^[0-9a-f-]{36}$/)

      await row.getByLabel(`Worker for ${childName}`).selectOption({ label: workerName })
      await click(page, row.getByRole('button', { name: `Assign ${childName}` }))
      assert.match(await notice(page), /The referral has been assigned/)
      await expectNoAxeViolations(page, 'referrals after assigning')
      assert.equal(await unassignedTable(page).locator(`a[href="/referrals/${referralId}"]`).count(), 0,
        'the referral has left the unassigned list')

      await visit(page, `/referrals/${referralId}`)
      assert.match(await page.locator('h1').innerText(), new RegExp(`Referral of ${escapeRegExp(childName)}`))
      assert.match(squash(await summaryValue(page, 'Named worker').innerText()), new RegExp(`^${escapeRegExp(workerName)}`))
      await expectNoAxeViolations(page, 'the allocated referral')
      await signOut(page)
    }
  },
  {
    name: 'the worker opens the episode from the referral and starts an assessment',
    fn: async ({ page }) => {
      assert.ok(referralId, 'the previous test allocated a referral')
      await signIn(page, 'social.worker')

      // The episode, from the referral's link.
      await visit(page, `/referrals/${referralId}`)
      await expectNoAxeViolations(page, 'the referral, as the worker')
      await click(page, page.getByRole('link', { name: 'See the episode\'s assessments, plans and visits' }))
      assert.equal(new URL(page.url()).pathname, `/episodes/${referralId}`)
      assert.match(await page.locator('h1').innerText(), new RegExp(`${escapeRegExp(childName)}: episode from`))
      assert.equal(squash(await summaryValue(page, 'Worker').innerText()), workerName)
      assert.match(squash(await page.locator('main').innerText()), /No assessment has been started/)
      await expectNoAxeViolations(page, 'the episode')

      // Start the assessment.
      await click(page, page.getByRole('link', { name: 'Start an assessment' }))
      assert.equal(new URL(page.url()).pathname, `/episodes/${referralId}/assessments/new`)
      assert.match(await page.locator('h1').innerText(), /Start an assessment/)
      assert.match(squash(await summaryValue(page, 'Due by').innerText()), /\d{1,2} \w+ \d{4}.*working days from the referral/)
      await expectNoAxeViolations(page, 'start an assessment')
      await click(page, page.getByRole('button', { name: 'Start the assessment' }))
      assert.match(new URL(page.url()).pathname, /^\/assessments\/[0-9a-f-]{36}$/)
      assessmentPath = new URL(page.url()).pathname
      assert.match(await notice(page), /The assessment has been started/)
      assert.match(await assessmentStatus(page), /In progress/)
      await expectNoAxeViolations(page, 'the new assessment')
      await signOut(page)
    }
  },
  {
    name: 'the worker records a visit with the child seen alone',
    fn: async ({ page }) => {
      assert.ok(referralId, 'an earlier test allocated a referral')
      await signIn(page, 'social.worker')
      // First without saying whether the child was seen alone.
      await visit(page, `/episodes/${referralId}`)
      await click(page, page.getByRole('link', { name: 'Record a visit' }))
      assert.match(await page.locator('h1').innerText(), /Record a visit/)
      await expectNoAxeViolations(page, 'record a visit')
      await page.locator('input[name=kind][value=unannounced]').check()
      await page.locator('input[name=child_seen][value=yes]').check()
      await page.locator('input[name=bedroom_seen][value=yes]').check()
      await page.getByLabel('Who was present (optional)').fill('Mother and younger brother')
      await page.getByLabel('Observations').fill('Little food in the kitchen. The child was quiet, hungry and in clothes too small for him.')
      await click(page, page.getByRole('button', { name: 'Record the visit' }))
      const visitErrors = await errorSummary(page)
      assert.match(await visitErrors.innerText(), /Select whether the child was seen alone/)
      assert.equal(await page.getByLabel('Observations').inputValue(), 'Little food in the kitchen. The child was quiet, hungry and in clothes too small for him.', 'typed values are kept')
      await expectNoAxeViolations(page, 'record a visit with errors')
      await page.locator('input[name=seen_alone][value=yes]').check()
      await click(page, page.getByRole('button', { name: 'Record the visit' }))
      assert.match(new URL(page.url()).pathname, /^\/visits\/[0-9a-f-]{36}$/)
      assert.match(await notice(page), /The visit has been recorded/)
      assert.match(await page.locator('h1').innerText(), /Visit on/)
      assert.equal(squash(await summaryValue(page, 'Child seen').innerText()), 'Yes')
      assert.equal(squash(await summaryValue(page, 'Seen alone').innerText()), 'Yes')
      await expectNoAxeViolations(page, 'the visit')
      await signOut(page)
    }
  },
  {
    name: 'the worker cannot submit the assessment without the analysis, then submits it complete',
    fn: async ({ page }) => {
      assert.ok(assessmentPath, 'an earlier test started an assessment')
      await signIn(page, 'social.worker')
      // Everything a submission needs except the analysis: refused, naming the analysis alone.
      await visit(page, assessmentPath)
      await page.locator('#framework-health').fill('Underweight for his age; missed two health appointments.')
      await page.locator('#framework-basic_care').fill('Meals are irregular and there is often no food in the house.')
      await fillDate(page, 'child_seen_on', TODAY)
      await fillDate(page, 'child_seen_alone_on', TODAY)
      await page.getByLabel('The child\'s wishes and feelings', { exact: true }).fill('He said he is hungry at night and wants his mum to be "less sad".')
      await page.getByLabel('The parents\' or carers\' views', { exact: true }).fill('Mother says she is struggling since her partner left and would accept help.')
      await page.getByLabel('I have checked the child\'s identity details with the child and family').check()
      await page.locator('input[name=factors][value="16A"]').check()
      await page.locator('input[name=factors][value="4B"]').check()
      await page.locator('input[name=outcome][value=strategy_discussion]').check()
      if (/Overdue/.test(await assessmentStatus(page))) {
        await page.getByLabel('Reason for any delay').fill('The referral waited for allocation.')
      }
      await click(page, page.getByRole('button', { name: 'Submit for authorisation' }))
      const summary = await errorSummary(page)
      assert.match(await summary.innerText(), /Enter the analysis/)
      assert.equal(await summary.locator('li').count(), 1, 'only the analysis is missing')
      assert.equal(await summary.locator('a').first().getAttribute('href'), '#analysis')
      assert.match(await page.locator('#analysis-error').innerText(), /Enter the analysis/)
      assert.match(await page.getByLabel('The child\'s wishes and feelings', { exact: true }).inputValue(), /hungry at night/, 'typed values are kept')
      assert.ok(await page.locator('input[name=outcome][value=strategy_discussion]').isChecked(), 'the chosen outcome is kept')
      assert.match(await assessmentStatus(page), /In progress/, 'nothing was submitted')
      await expectNoAxeViolations(page, 'assessment refused without analysis')

      // With the analysis it is submitted.
      await page.locator('#analysis').fill(ANALYSIS)
      await click(page, page.getByRole('button', { name: 'Submit for authorisation' }))
      assert.equal(new URL(page.url()).pathname, assessmentPath)
      assert.match(await notice(page), /submitted for a manager to authorise/)
      assert.match(await assessmentStatus(page), /Submitted for authorisation/)
      assert.match(squash(await page.locator('main').innerText()), /Strategy discussion \/ section 47 enquiry/)
      await expectNoAxeViolations(page, 'submitted assessment')
      await signOut(page)
    }
  },
  {
    name: 'the manager returns the assessment with a comment',
    fn: async ({ page }) => {
      assert.ok(assessmentPath, 'the previous test submitted an assessment')
      await signIn(page, 'team.manager')
      await visit(page, assessmentPath)
      assert.match(await assessmentStatus(page), /Submitted for authorisation/)
      assert.match(squash(await page.locator('main').innerText()), new RegExp(escapeRegExp(ANALYSIS.slice(0, 40))))
      await expectNoAxeViolations(page, 'assessment to review')

      // Returning needs a reason.
      await page.locator('input[name=decision][value=return]').check()
      await click(page, page.getByRole('button', { name: 'Record your decision' }))
      const summary = await errorSummary(page)
      assert.match(await summary.innerText(), /Enter why you are returning the assessment/)
      assert.ok(await page.locator('input[name=decision][value=return]').isChecked(), 'the decision is kept')
      await expectNoAxeViolations(page, 'review with errors')

      await page.locator('#comments').fill(RETURN_COMMENT)
      await click(page, page.getByRole('button', { name: 'Record your decision' }))
      assert.equal(new URL(page.url()).pathname, assessmentPath)
      assert.match(await notice(page), /returned to the practitioner/)
      assert.match(await assessmentStatus(page), /Returned for changes/)
      await expectNoAxeViolations(page, 'returned assessment, as the manager')
      await signOut(page)
    }
  },
  {
    name: 'the worker sees the return and the comment, amends the assessment and resubmits it',
    fn: async ({ page }) => {
      assert.ok(assessmentPath, 'an earlier test started an assessment')
      await signIn(page, 'social.worker')

      await visit(page, '/my-work')
      const returned = page.locator('#my-work tbody tr').filter({ hasText: childName }).filter({ hasText: /returned for changes/ })
      assert.equal(await returned.count(), 1, 'My work lists the returned assessment')
      await expectNoAxeViolations(page, 'my work with a returned assessment')
      await click(page, returned.getByRole('link', { name: /^Open/ }))
      assert.equal(new URL(page.url()).pathname, assessmentPath)

      assert.match(await assessmentStatus(page), /Returned for changes/)
      const inset = page.locator('.govuk-inset-text').filter({ hasText: 'Returned by' })
      assert.equal(await inset.count(), 1, 'the return is shown above the form')
      assert.match(squash(await inset.innerText()), new RegExp(`Returned by ${escapeRegExp(managerName)}`))
      assert.match(squash(await inset.innerText()), new RegExp(escapeRegExp(RETURN_COMMENT)))
      await expectNoAxeViolations(page, 'returned assessment, as the worker')

      assert.equal(await page.locator('#analysis').inputValue(), ANALYSIS, 'the form keeps the submitted analysis')
      await page.locator('#analysis').fill(ANALYSIS + '\nThe nursery reports he arrives hungry most days; the health visitor has seen no improvement since the summer.')
      await page.locator('#framework-housing').fill('Damp two-bedroom flat; the heating is often off because of money.')
      await click(page, page.getByRole('button', { name: 'Submit for authorisation' }))
      assert.equal(new URL(page.url()).pathname, assessmentPath)
      assert.match(await notice(page), /submitted for a manager to authorise/)
      assert.match(await assessmentStatus(page), /Submitted for authorisation/)
      assert.match(squash(await page.locator('main').innerText()), /The nursery reports he arrives hungry/)
      await expectNoAxeViolations(page, 'resubmitted assessment')
      await signOut(page)
    }
  },
  {
    name: 'the manager authorises the assessment with a quality rating',
    fn: async ({ page }) => {
      assert.ok(assessmentPath, 'an earlier test submitted an assessment')
      await signIn(page, 'team.manager')
      await visit(page, assessmentPath)
      assert.match(await assessmentStatus(page), /Submitted for authorisation/)
      await page.locator('input[name=decision][value=authorise]').check()
      await page.locator('input[name=quality_rating][value=good]').check()
      await page.locator('#comments').fill('Clear analysis of the neglect; agree a strategy discussion today.')
      await click(page, page.getByRole('button', { name: 'Record your decision' }))
      assert.equal(new URL(page.url()).pathname, assessmentPath)
      assert.match(await notice(page), /The assessment has been authorised/)
      assert.match(await assessmentStatus(page), /Authorised/)
      assert.equal(squash(await summaryValue(page, 'Quality rating').innerText()), 'Good')
      assert.match(squash(await summaryValue(page, 'Authorised').innerText()), new RegExp(`${escapeRegExp(formatLong(TODAY))} by ${escapeRegExp(managerName)}`))
      const reviews = squash(await page.locator('main').innerText())
      assert.match(reviews, /Managers' reviews/)
      assert.match(reviews, new RegExp(escapeRegExp(RETURN_COMMENT)), 'the earlier return stays on the assessment')
      await expectNoAxeViolations(page, 'authorised assessment')
      await signOut(page)
    }
  },
  {
    name: 'the worker records the strategy discussion; the section 47 enquiry shows its conference target and its outcome is recorded',
    fn: async ({ page }) => {
      assert.ok(assessmentPath, 'an earlier test authorised an assessment')
      await signIn(page, 'social.worker')
      await visit(page, assessmentPath)
      assert.match(await assessmentStatus(page), /Authorised/)
      await expectNoAxeViolations(page, 'authorised assessment, as the worker')
      await click(page, page.getByRole('link', { name: 'Record the strategy discussion' }))
      assert.equal(new URL(page.url()).pathname, `/episodes/${referralId}/strategy-discussions/new`)
      assert.match(await page.locator('h1').innerText(), /Record a strategy discussion/)
      await expectNoAxeViolations(page, 'record a strategy discussion')

      await fillDate(page, 'held', EVENT_DAY)
      if (!EVENT_IS_TODAY) await page.getByLabel('Time held').fill('10:00')
      assert.equal(await page.locator('#participants-1-agency').inputValue(), 'social_care', 'the recorder is the first participant')
      await page.locator('#participants-2-agency').selectOption('police')
      await page.locator('#participants-2-name').fill('DC Jo Patel')
      await page.locator('#participants-2-role').fill('Detective constable, child abuse investigation team')
      await page.locator('#participants-3-agency').selectOption('health')
      await page.locator('#participants-3-name').fill('Sam Okafor')
      await page.locator('#participants-3-role').fill('Named nurse for safeguarding')
      await page.getByLabel('Information shared').fill('Police: two calls from neighbours about the children left alone. Health: weight falling, missed appointments.')
      await page.getByLabel('Reasons for the decision').fill('Reasonable cause to suspect the children are suffering significant harm through neglect.')
      // First without the decision.
      await click(page, page.getByRole('button', { name: 'Record the strategy discussion' }))
      const strategyErrors = await errorSummary(page)
      assert.match(await strategyErrors.innerText(), /Select the decision/)
      assert.equal(await page.locator('#participants-2-name').inputValue(), 'DC Jo Patel', 'typed participants are kept')
      assert.equal(await page.locator('#participants-3-agency').inputValue(), 'health', 'typed agencies are kept')
      await expectNoAxeViolations(page, 'record a strategy discussion with errors')
      await page.getByLabel('Start a section 47 enquiry').check()
      await click(page, page.getByRole('button', { name: 'Record the strategy discussion' }))

      assert.match(new URL(page.url()).pathname, /^\/strategy-discussions\/[0-9a-f-]{36}$/)
      assert.match(await notice(page), /Strategy discussion recorded and section 47 enquiry started/)
      assert.match(await page.locator('h1').innerText(), /Start a section 47 enquiry/)
      assert.equal(await page.locator('.govuk-warning-text').count(), 0, 'no warning: police and health took part')
      const who = squash(await page.locator('main table').first().innerText())
      assert.match(who, /Police DC Jo Patel/)
      assert.match(who, /Health Sam Okafor/)
      await expectNoAxeViolations(page, 'the strategy discussion')

      await click(page, page.getByRole('link', { name: 'View the section 47 enquiry' }))
      assert.match(new URL(page.url()).pathname, /^\/section47\/[0-9a-f-]{36}$/)
      section47Path = new URL(page.url()).pathname
      assert.match(await page.locator('h1').innerText(), /Enquiry in progress/)
      assert.equal(squash(await summaryValue(page, 'Started').innerText()), formatLong(EVENT_DAY))
      // 15 working days from the strategy discussion: weekends are never counted, and a bank
      // holiday only moves the target later.
      const due = squash(await summaryValue(page, 'Initial conference due').innerText())
      assert.match(due, /15 working days from the strategy discussion that started the section 47 enquiry/)
      icpcDue = parseLong(due)
      assert.ok(icpcDue, `the target is a date: ${due}`)
      const earliest = addWeekdays(EVENT_DAY, 15)
      assert.ok(icpcDue >= earliest && icpcDue <= addDays(earliest, 14),
        `the ICPC target ${formatLong(icpcDue)} is 15 working days after ${formatLong(EVENT_DAY)}`)
      assert.doesNotMatch(due, /Overdue/)
      await expectNoAxeViolations(page, 'the section 47 enquiry')

      // First without the outcome.
      await fillDate(page, 'outcome_on', EVENT_DAY)
      await page.getByLabel('Notes (optional)').fill('Neglect substantiated: the children are at continuing risk without a plan.')
      await click(page, page.getByRole('button', { name: 'Save the outcome' }))
      const outcomeErrors = await errorSummary(page)
      assert.match(await outcomeErrors.innerText(), /Select the outcome of the enquiry/)
      assert.match(await page.getByLabel('Notes (optional)').inputValue(), /Neglect substantiated/, 'typed notes are kept')
      assert.match(await page.locator('h1').innerText(), /Enquiry in progress/, 'nothing was recorded')
      await expectNoAxeViolations(page, 'the enquiry\'s outcome with errors')
      await page.getByLabel('Continuing risk of significant harm: convene an initial child protection conference').check()
      await click(page, page.getByRole('button', { name: 'Save the outcome' }))
      assert.equal(new URL(page.url()).pathname, section47Path)
      assert.match(await notice(page), /The outcome has been recorded/)
      assert.match(await page.locator('h1').innerText(), /Continuing risk of significant harm: convene an initial child protection conference/)
      assert.equal(squash(await summaryValue(page, 'Initial conference').innerText()), 'Required')
      assert.equal(squash(await summaryValue(page, 'Signed off').innerText()), 'Waiting for a manager')
      assert.match(squash(await page.locator('main').innerText()), new RegExp(`an initial child protection conference is due by ${escapeRegExp(formatLong(icpcDue))}`))
      await expectNoAxeViolations(page, 'the enquiry with its outcome')
      await signOut(page)
    }
  },
  {
    name: 'the manager signs off the section 47 outcome',
    fn: async ({ page }) => {
      assert.ok(section47Path, 'the previous test recorded the outcome of an enquiry')
      await signIn(page, 'team.manager')
      await visit(page, section47Path)
      assert.equal(squash(await summaryValue(page, 'Signed off').innerText()), 'Waiting for a manager')
      await expectNoAxeViolations(page, 'the enquiry waiting for sign-off')
      await click(page, page.getByRole('button', { name: 'Sign off the outcome' }))
      assert.equal(new URL(page.url()).pathname, section47Path)
      assert.match(await notice(page), /The outcome has been signed off/)
      assert.match(squash(await summaryValue(page, 'Signed off').innerText()), new RegExp(`^${escapeRegExp(managerName)}, `))
      assert.equal(await page.getByRole('button', { name: 'Sign off the outcome' }).count(), 0, 'it cannot be signed off twice')
      await expectNoAxeViolations(page, 'the signed-off enquiry')
      await signOut(page)
    }
  },
  {
    name: 'the worker records the initial conference: a child protection plan for neglect, with its first review and next visit due',
    fn: async ({ page }) => {
      assert.ok(section47Path && icpcDue, 'earlier tests signed off an enquiry needing a conference')
      await signIn(page, 'social.worker')
      await visit(page, section47Path)
      assert.match(squash(await summaryValue(page, 'Signed off').innerText()), new RegExp(`^${escapeRegExp(managerName)}, `))
      await expectNoAxeViolations(page, 'the signed-off enquiry, as the worker')
      await click(page, page.getByRole('link', { name: 'Record the initial child protection conference' }))
      assert.equal(new URL(page.url()).pathname, `${section47Path}/icpc/new`)
      assert.match(await page.locator('h1').innerText(), /Record an initial child protection conference/)
      assert.match(squash(await summaryValue(page, 'Target date').innerText()), new RegExp(`^${escapeRegExp(formatLong(icpcDue))}`))
      assert.equal(await page.locator('.govuk-warning-text').count(), 0, 'nothing stops the conference being recorded')
      await expectNoAxeViolations(page, 'record an initial conference')

      // A plan without a category of abuse is refused.
      await fillDate(page, 'held_on', EVENT_DAY)
      await page.getByLabel('Who chaired the conference').fill('Jo Smith, independent chair')
      const attendees = [
        [workerName, 'social_care', 'Social worker'],
        ['DC Jo Patel', 'police', 'Detective constable'],
        ['Sam Okafor', 'health', 'Named nurse'],
        ['Mother', 'family', 'Parent']
      ]
      for (const [i, [name, agency, role]] of attendees.entries()) {
        await page.locator(`#attendees-${i + 1}-name`).fill(name)
        await page.locator(`#attendees-${i + 1}-agency`).selectOption(agency)
        await page.locator(`#attendees-${i + 1}-role`).fill(role)
      }
      await page.getByLabel('Child protection plan', { exact: true }).check()
      await page.getByLabel('Summary of the conference').fill('Continuing neglect. Mother agrees to work with the plan; the chair recorded the children\'s wish to stay at home.')
      await page.locator('#core_group-1-name').fill('Sam Okafor')
      await page.locator('#core_group-1-agency').selectOption('health')
      await page.locator('#core_group-1-role').fill('Named nurse')
      await click(page, page.getByRole('button', { name: 'Record the conference' }))
      const summary = await errorSummary(page)
      assert.match(await summary.innerText(), /Select the category of abuse/)
      assert.equal(await page.getByLabel('Who chaired the conference').inputValue(), 'Jo Smith, independent chair', 'typed values are kept')
      assert.equal(await page.locator('#attendees-2-agency').inputValue(), 'police', 'typed attendees are kept')
      await expectNoAxeViolations(page, 'initial conference with errors')

      await page.getByLabel('Neglect', { exact: true }).check()
      await click(page, page.getByRole('button', { name: 'Record the conference' }))
      assert.match(new URL(page.url()).pathname, /^\/cp-plans\/[0-9a-f-]{36}$/)
      cpPlanPath = new URL(page.url()).pathname
      assert.match(await notice(page), /Conference recorded and child protection plan started/)
      assert.match(await page.locator('h1').innerText(), /Child protection plan/)
      assert.match(squash(await summaryValue(page, 'Started').innerText()), new RegExp(`^${escapeRegExp(formatLong(EVENT_DAY))}`))
      assert.equal(squash(await summaryValue(page, 'Initial category of abuse').innerText()), 'Neglect')
      assert.equal(squash(await summaryValue(page, 'Status').innerText()), 'Open')
      // textContent: how the date was worked out sits in a closed details component.
      const review = squash(await summaryValue(page, 'Next review conference').textContent())
      assert.match(review, new RegExp(`^Due by ${escapeRegExp(formatLong(addMonths(EVENT_DAY, 3)))}`), 'the first review is 3 months after the conference')
      assert.match(review, /3 months from the initial child protection conference/)
      const visitDue = squash(await summaryValue(page, 'Next statutory visit').innerText())
      nextVisit = formatLong(parseLong(visitDue) ?? new Date(0))
      assert.match(visitDue, /^Due by \d{1,2} \w+ \d{4}/)
      assert.ok(parseLong(visitDue) > TODAY, 'the next visit is still to come')
      assert.match(squash(await page.locator('main').innerText()), /Sam Okafor/, 'the core group is on the plan')
      await expectNoAxeViolations(page, 'the child protection plan')

      // The conference's own record: held within its target.
      await click(page, page.getByRole('link', { name: 'initial child protection conference', exact: true }))
      assert.match(new URL(page.url()).pathname, /^\/conferences\/[0-9a-f-]{36}$/)
      assert.match(await page.locator('h1').innerText(), /Initial child protection conference/)
      assert.match(squash(await summaryValue(page, 'Target date').innerText()), new RegExp(`^${escapeRegExp(formatLong(icpcDue))} Within target`))
      assert.equal(squash(await summaryValue(page, 'Decision').innerText()), 'Child protection plan')
      await expectNoAxeViolations(page, 'the initial conference')

      // "My work" shows the next statutory visit to the child.
      await visit(page, '/my-work')
      assert.match(await page.locator('h1').innerText(), /My work/)
      const visitRow = page.locator('#my-work tbody tr').filter({ hasText: childName }).filter({ hasText: 'Statutory visit (child protection plan)' })
      assert.equal(await visitRow.count(), 1, 'My work lists the next visit to the child')
      assert.match(squash(await visitRow.locator('td').nth(2).innerText()), new RegExp(`^${escapeRegExp(nextVisit)}`))
      await expectNoAxeViolations(page, 'my work with the plan\'s visit')

      // The episode page gathers it all.
      await visit(page, `/episodes/${referralId}`)
      const episode = squash(await page.locator('main').innerText())
      assert.match(episode, new RegExp(`Authorised on ${escapeRegExp(formatLong(TODAY))}`))
      assert.match(episode, new RegExp(`conference held ${escapeRegExp(formatLong(EVENT_DAY))}`))
      assert.match(episode, /Statutory visit \(child protection plan\)/)
      await expectNoAxeViolations(page, 'the episode at the end')
      await signOut(page)
    }
  },
  {
    name: 'the child\'s page shows the plan; closing the episode is refused while work is open; team work and timescales',
    fn: async ({ page }) => {
      assert.ok(referralId, 'the journey above allocated a referral')
      await signIn(page, 'social.worker')
      await visit(page, `/episodes/${referralId}`)
      await click(page, page.locator('main a[href^="/people/"]').first())
      const person = squash(await page.locator('main').innerText())
      assert.match(person, /Current status/)
      assert.match(person, /Neglect/, 'the child protection plan and its category')
      await expectNoAxeViolations(page, 'the child\'s page with current status')

      // Closing now is refused, listing the open plan.
      await visit(page, `/episodes/${referralId}/close`)
      await expectNoAxeViolations(page, 'the closure form')
      const blockers = page.locator('#blockers li')
      assert.ok(await blockers.count() >= 1, 'the open work is listed before anything is typed')
      assert.match(squash(await page.locator('#blockers').innerText()), /plan/i)
      await visit(page, '/timescales')
      assert.match(squash(await page.locator('main').innerText()), /45 working days/)
      await expectNoAxeViolations(page, 'the timescales in force')
      await signOut(page)

      await signIn(page, 'team.manager')
      await visit(page, '/team-work')
      assert.match(await page.locator('h1').innerText(), /work/i)
      assert.match(squash(await page.locator('main').innerText()), new RegExp(escapeRegExp(childName)))
      await expectNoAxeViolations(page, 'team work')
      await signOut(page)

      await signIn(page, 'service.manager')
      await visit(page, '/admin/timescales')
      await expectNoAxeViolations(page, 'timescale versions')
      await click(page, page.getByRole('button', { name: /Add this version|Save|Add/ }).first())
      assert.ok(await page.locator('.govuk-error-summary').count() === 1, 'a version without a new date is refused')
      await expectNoAxeViolations(page, 'timescale versions with errors')
      await signOut(page)
    }
  }
]

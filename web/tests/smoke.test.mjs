// Self-checks of the test set-up: the server answers, and the embedded front-end assets are served.

import assert from 'node:assert/strict'
import { url } from './lib.mjs'

export const tests = [
  {
    name: '/healthz answers 200',
    fn: async ({ page }) => {
      const response = await page.goto(url('/healthz'))
      assert.ok(response, 'no response')
      assert.equal(response.status(), 200)
    }
  },
  {
    name: 'GOV.UK and MOJ assets are served with their types and without GDS Transport',
    fn: async ({ page }) => {
      for (const [path, type] of [
        ['/stylesheets/govuk-frontend.min.css', 'text/css'],
        ['/stylesheets/moj-frontend.min.css', 'text/css'],
        ['/javascripts/govuk-frontend.min.js', 'text/javascript'],
        ['/javascripts/moj-frontend.min.js', 'text/javascript'],
        ['/assets/images/favicon.svg', 'image/svg+xml']
      ]) {
        const response = await page.request.get(url(path))
        assert.equal(response.status(), 200, path)
        assert.ok((response.headers()['content-type'] ?? '').startsWith(type), `${path}: ${response.headers()['content-type']}`)
        assert.equal(response.headers()['x-content-type-options'], 'nosniff', path)
        if (type === 'text/css') assert.ok(!(await response.text()).includes('GDS Transport'), path)
      }
    }
  }
]

// Saves a case note as a draft while it is written: every 15 seconds when something has
// changed, and when the page is hidden or left. Progressive enhancement only: without this
// file the "Save draft" button does the same. The form is posted as it would be by the
// button, with intent=autosave, and the server answers with JSON.

const INTERVAL_MS = 15000
// Browsers refuse a keepalive request body over 64 KiB; longer notes are sent normally.
const KEEPALIVE_LIMIT = 60000

const form = document.querySelector('form[data-autosave]')
const status = document.getElementById('autosave-status')

if (form && status) {
  let lastSaved = snapshot()
  let inFlight = null
  let submitting = false

  // What the author has typed, without the fields the server fills in.
  function snapshot () {
    const data = new URLSearchParams(new FormData(form))
    data.delete('csrf_token')
    data.delete('version')
    data.delete('intent')
    return data.toString()
  }

  function say (message) {
    status.textContent = message
  }

  function field (name) {
    return form.querySelector('input[name="' + name + '"]')
  }

  // After the first save of a new note, later saves go to its draft.
  function remember (answer) {
    const version = field('version')
    if (version && answer.version !== undefined) version.value = String(answer.version)
    if (answer.edit_url && form.getAttribute('action') !== answer.edit_url) {
      form.setAttribute('action', answer.edit_url)
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, '', answer.edit_url)
      }
    }
  }

  async function post (leaving) {
    const body = new URLSearchParams(new FormData(form))
    body.set('intent', 'autosave')
    const text = body.toString()
    const response = await fetch(form.getAttribute('action'), {
      method: 'POST',
      body: text,
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded'
      },
      credentials: 'same-origin',
      keepalive: leaving && text.length < KEEPALIVE_LIMIT
    })
    let answer = {}
    try {
      answer = await response.json()
    } catch (e) {
      answer = {}
    }
    return { response, answer }
  }

  async function save (leaving, retried) {
    const now = snapshot()
    if (submitting || now === lastSaved) return
    try {
      const { response, answer } = await post(leaving)
      if (response.ok) {
        lastSaved = now
        remember(answer)
        say(answer.message || 'Draft saved')
      } else if (response.status === 401) {
        say('Your session has ended: copy your text or sign in in another tab')
      } else if (response.status === 403 && answer.csrf_token && !retried) {
        // Signed in again in another tab: carry on with the new session's token.
        const token = field('csrf_token')
        if (token) token.value = answer.csrf_token
        await save(leaving, true)
      } else {
        say(answer.message || 'Your draft could not be saved just now')
      }
    } catch (e) {
      say('Your draft could not be saved just now: check your connection. Your text is still on this page')
    }
  }

  function saveSoon (leaving) {
    if (inFlight) return inFlight
    inFlight = save(leaving, false).finally(() => { inFlight = null })
    return inFlight
  }

  window.setInterval(() => { saveSoon(false) }, INTERVAL_MS)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saveSoon(true)
  })
  window.addEventListener('pagehide', () => { saveSoon(true) })

  // A button pressed while a save is on its way waits for it, so the form posts the version
  // that save produced.
  form.addEventListener('submit', (event) => {
    if (submitting) return
    if (inFlight) {
      event.preventDefault()
      const button = event.submitter
      inFlight.then(() => {
        submitting = true
        form.requestSubmit(button)
      })
      return
    }
    submitting = true
  })
}

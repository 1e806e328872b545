// The reset page's script: takes the token from the URL fragment, then sends the new password to
// POST /api/v1/auth/password-reset-confirm/{token}. Text only goes into the page through textContent.
'use strict'

const CONFIRM_PATH = '/api/v1/auth/password-reset-confirm/'

const form = document.getElementById('reset-form')
const status = document.getElementById('status')
const submit = document.getElementById('submit')

const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? ''
// Out of the address bar and the history, so the link is not bookmarked or shared by accident.
window.history.replaceState(null, '', window.location.pathname + window.location.search)

function show (text, kind) {
  status.textContent = text
  status.className = kind
}

if (token === '') {
  form.hidden = true
  show('This link is incomplete. Ask for a new password-reset e-mail.', 'error')
}

form.addEventListener('submit', async (event) => {
  event.preventDefault()
  const body = {
    new_password: form.elements.new_password.value,
    confirm_new_password: form.elements.confirm_new_password.value
  }
  if (body.new_password.length < 8) return show('The password needs at least 8 characters.', 'error')
  if (body.new_password !== body.confirm_new_password) return show('Passwords do not match', 'error')
  submit.disabled = true
  try {
    const response = await fetch(CONFIRM_PATH + encodeURIComponent(token), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      referrerPolicy: 'no-referrer'
    })
    const answer = await response.json()
    if (response.ok) {
      form.hidden = true
      show(`${answer.message}. You can now log in with your new password.`, 'ok')
    } else {
      show(answer.message, 'error')
      submit.disabled = false
    }
  } catch {
    show('The server could not be reached. Please try again.', 'error')
    submit.disabled = false
  }
})

// Autosave of the assessment form: a few seconds after the last change the draft is posted
// with X-Autosave, and the form's version follows the server's. The form works without it.
const form = document.querySelector('form[data-autosave]')
if (form) {
  const status = document.getElementById('autosave-status')
  const version = form.querySelector('input[name="version"]')
  let timer = null
  let stopped = false
  const save = async () => {
    if (stopped) return
    const body = new FormData(form)
    body.set('action', 'save')
    // getAttribute: form.action would be the submit buttons, named "action" (they clobber it)
    const response = await fetch(form.getAttribute('action'), {
      method: 'POST', body, headers: { 'X-Autosave': '1' }, credentials: 'same-origin'
    })
    const answer = await response.json().catch(() => ({}))
    if (response.ok) {
      version.value = answer.version
      status.textContent = 'Draft saved automatically at ' + new Date().toLocaleTimeString('en-GB')
    } else if (response.status === 409) {
      stopped = true
      status.textContent = 'Someone else saved this assessment. Automatic saving has stopped: ' +
        'use "Save draft" to see both versions.'
    } else {
      status.textContent = 'Not saved automatically: check the answers, then use "Save draft".'
    }
  }
  form.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(save, 3000) })
}

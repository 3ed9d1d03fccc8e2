import { initAll } from '/static/govuk/govuk-frontend.min.js'
initAll()

// Tables that fit small screens: a data table wider than the screen scrolls inside its own
// box, not the whole page (WCAG 1.4.10 lets data tables scroll). Templates wrap their tables
// in .app-table-scroll; a table without one (a stored report's) is wrapped here. A box that
// scrolls is a named region a keyboard can reach, so that it can be scrolled without a mouse.
function tableBoxes () {
  document.querySelectorAll('main table.govuk-table').forEach((table) => {
    if (!table.parentElement.classList.contains('app-table-scroll')) {
      const box = document.createElement('div')
      box.className = 'app-table-scroll'
      table.parentElement.insertBefore(box, table)
      box.appendChild(table)
    }
  })
  return document.querySelectorAll('main .app-table-scroll')
}

function markScrolling (boxes) {
  boxes.forEach((box) => {
    const caption = box.querySelector('caption')
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute('role', 'region')
      box.setAttribute('tabindex', '0')
      box.setAttribute('aria-label', (caption ? caption.textContent.trim() : 'Table') + ' (scrolls sideways)')
    } else {
      box.removeAttribute('role')
      box.removeAttribute('tabindex')
      box.removeAttribute('aria-label')
    }
  })
}

const boxes = tableBoxes()
markScrolling(boxes)
window.addEventListener('resize', () => markScrolling(boxes))

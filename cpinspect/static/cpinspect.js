import { initAll } from '/static/govuk/govuk-frontend.min.js'
initAll()

// Tables that fit small screens: a data table wider than the screen scrolls inside its own
// box, not the whole page (WCAG 1.4.10 lets data tables scroll). Templates wrap their tables
// in a named, focusable .app-table-scroll region, so that it works without JavaScript; a table
// without one (a report stored before its template had them) is wrapped here. A box that
// scrolls is a named region a keyboard can reach; one that does not scroll (a wide screen)
// drops its tab stop, and gets it back if the window narrows.
const NAMING = ['role', 'tabindex', 'aria-label', 'aria-labelledby']

function tableBoxes () {
  document.querySelectorAll('main table.govuk-table').forEach((table) => {
    if (!table.parentElement.classList.contains('app-table-scroll')) {
      const box = document.createElement('div')
      box.className = 'app-table-scroll'
      table.parentElement.insertBefore(box, table)
      box.appendChild(table)
    }
  })
  const boxes = document.querySelectorAll('main .app-table-scroll')
  boxes.forEach((box) => {
    const caption = box.querySelector('caption')
    const own = {}
    NAMING.forEach((name) => { if (box.hasAttribute(name)) own[name] = box.getAttribute(name) })
    if (!own['aria-label'] && !own['aria-labelledby']) {
      own['aria-label'] = (caption ? caption.textContent.trim() : 'Table') + ' (scrolls sideways)'
    }
    box.appNaming = { role: 'region', tabindex: '0', ...own }
  })
  return boxes
}

function markScrolling (boxes) {
  boxes.forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1
    Object.entries(box.appNaming).forEach(([name, value]) => {
      if (scrolls) box.setAttribute(name, value)
      else box.removeAttribute(name)
    })
  })
}

const boxes = tableBoxes()
markScrolling(boxes)
window.addEventListener('resize', () => markScrolling(boxes))

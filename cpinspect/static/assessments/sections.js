// The assessment in sections (ADR 0031), better with JavaScript: choosing an answer that needs
// evidence opens its evidence note; a link to a question (from check your answers or an error
// summary) puts the keyboard focus in it. Without this file everything still works.
for (const group of document.querySelectorAll("[data-evidence-when]")) {
  const needing = group.dataset.evidenceWhen.split(" ");
  const details = document.getElementById(group.dataset.evidenceNote);
  group.addEventListener("change", (event) => {
    if (details && needing.includes(event.target.value)) details.open = true;
  });
}
const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
if (target && target.matches("input, textarea, select")) target.focus();

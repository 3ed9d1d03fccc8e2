// Bulk sign-off, better with JavaScript: one button ticks every ready case shown in the table
// (after any filter), and clears them again. Without this file the "Sign off all ready cases"
// link and its confirmation page do the same.
const form = document.getElementById("cases");
const boxes = form ? [...form.querySelectorAll('input[type="checkbox"][name="case"]')] : [];
const submit = form && form.querySelector('button[type="submit"]');
if (boxes.length && submit) {
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "govuk-button govuk-button--secondary";
  toggle.dataset.module = "govuk-button";
  const all = () => boxes.every((box) => box.checked);
  const cases = `${boxes.length} ready case${boxes.length === 1 ? "" : "s"} shown`;
  const label = () => {
    toggle.textContent = all() ? "Clear the selection" : `Select all ${cases}`;
  };
  toggle.addEventListener("click", () => {
    const tick = !all();
    for (const box of boxes) box.checked = tick;
    label();
  });
  for (const box of boxes) box.addEventListener("change", label);
  const group = document.createElement("div");
  group.className = "govuk-button-group";
  submit.replaceWith(group);
  group.append(submit, toggle);
  label();
}

// Review queue: "select all" checkbox (no inline handlers, CSP-friendly).
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
  document.querySelectorAll(`input[name="${box.dataset.selectAll}"]`).forEach((item) => {
    item.checked = box.checked;
  });
});

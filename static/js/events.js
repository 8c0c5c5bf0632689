// Event pages (no inline handlers, CSP-friendly): tick all slots of a day, confirm before
// cancelling, print the agenda.
function eventsDaySlots(day) {
  return document.querySelectorAll(`input[data-day="${day}"]`);
}

function eventsSyncDay(day) {
  const toggle = document.querySelector(`input[data-check-day="${day}"]`);
  if (!toggle) return;
  const slots = Array.from(eventsDaySlots(day));
  const ticked = slots.filter((slot) => slot.checked).length;
  toggle.checked = slots.length > 0 && ticked === slots.length;
  toggle.indeterminate = ticked > 0 && ticked < slots.length;
}

document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement)) return;
  if (box.dataset.checkDay) {
    eventsDaySlots(box.dataset.checkDay).forEach((slot) => {
      slot.checked = box.checked;
    });
  } else if (box.dataset.day) {
    eventsSyncDay(box.dataset.day);
  }
});

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-check-day]").forEach((toggle) => {
    eventsSyncDay(toggle.dataset.checkDay);
  });
});

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("[data-confirm], [data-print]") : null;
  if (!target) return;
  if (target.hasAttribute("data-print")) {
    window.print();
  } else if (!window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// Live character count under fields with data-maxlength-counter="N" (portal/forms.py sets it
// from the model's limit; the server checks the limit again). No inline handlers (CSP).
(function () {
  "use strict";

  function counterFor(field) {
    var id = field.id ? field.id + "-counter" : "";
    var existing = id && document.getElementById(id);
    if (existing) {
      return existing;
    }
    var counter = document.createElement("div");
    counter.className = "form-text text-end";
    counter.setAttribute("aria-live", "polite");
    if (id) {
      counter.id = id;
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", described ? described + " " + id : id);
    }
    field.insertAdjacentElement("afterend", counter);
    return counter;
  }

  function update(field) {
    var limit = parseInt(field.getAttribute("data-maxlength-counter"), 10);
    if (!limit) {
      return;
    }
    // Count characters as the server does (code points, not UTF-16 units).
    var length = Array.from(field.value).length;
    var counter = counterFor(field);
    counter.textContent = length + " / " + limit;
    var over = length > limit;
    counter.classList.toggle("text-danger", over);
    field.classList.toggle("is-invalid", over);
  }

  function init() {
    var fields = document.querySelectorAll("[data-maxlength-counter]");
    Array.prototype.forEach.call(fields, update);
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target instanceof HTMLElement && target.hasAttribute("data-maxlength-counter")) {
      update(target);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

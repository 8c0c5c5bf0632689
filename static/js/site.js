// Site-wide behaviour without inline handlers (CSP-friendly).
(function () {
  "use strict";

  // ---------------------------------------------------------------- selects that submit
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });

  // ---------------------------------------------------------------- clean GET links
  // A GET form sends no empty parameters, so links stay short and survive being pasted
  // (the server redirects any URL with empty parameters to its clean form as well).
  function isEmptyField(el) {
    return el.name && !el.disabled && (el.type !== "checkbox" && el.type !== "radio") &&
      typeof el.value === "string" && el.value.trim() === "";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "get").toLowerCase() !== "get") {
      return;
    }
    if (form.hasAttribute("hx-get")) {
      return; // htmx: see htmx:configRequest below
    }
    var emptied = Array.prototype.filter.call(form.elements, isEmptyField);
    emptied.forEach(function (el) { el.disabled = true; });
    // Re-enable once the browser has read the form (it submits after this handler).
    window.setTimeout(function () {
      emptied.forEach(function (el) { el.disabled = false; });
    }, 0);
  }, true);

  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail || {};
    if ((detail.verb || "").toLowerCase() !== "get") {
      return;
    }
    var data = detail.formData || detail.parameters;
    if (!data) {
      return;
    }
    if (typeof data.getAll === "function" && typeof data.keys === "function") {
      var keys = [];
      Array.from(data.keys()).forEach(function (key) {
        if (keys.indexOf(key) < 0) { keys.push(key); }
      });
      keys.forEach(function (key) {
        var kept = data.getAll(key).filter(function (v) { return typeof v !== "string" || v.trim() !== ""; });
        data.delete(key);
        kept.forEach(function (v) { data.append(key, v); });
      });
    } else {
      Object.keys(data).forEach(function (key) {
        if (typeof data[key] === "string" && data[key].trim() === "") { delete data[key]; }
      });
    }
  });

  // ---------------------------------------------------------------- region picker
  // Province → city → district selects ([data-region-level]) fill a hidden input
  // ([data-region-value]) with the deepest division chosen. Children come from one JSON
  // of the division table (served by the site, cached by the browser).
  var treePromise = null;

  function regionTree(url) {
    if (!treePromise) {
      treePromise = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error("regions " + r.status); }
        return r.json();
      }).catch(function (err) {
        treePromise = null;
        throw err;
      });
    }
    return treePromise;
  }

  function resetSelect(select) {
    var empty = select.getAttribute("data-empty") || "";
    select.innerHTML = "";
    var option = document.createElement("option");
    option.value = "";
    option.textContent = empty;
    select.appendChild(option);
    select.disabled = true;
  }

  function pickerValue(picker) {
    var value = "";
    picker.querySelectorAll("select[data-region-level]").forEach(function (select) {
      if (!select.hasAttribute("data-locked") && select.value) { value = select.value; }
    });
    return value;
  }

  // Capture phase: the hidden value is set before htmx (listening on the form) sends it.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-region-level")) {
      return;
    }
    var picker = select.closest("[data-region-picker]");
    if (!picker) { return; }
    var level = parseInt(select.getAttribute("data-region-level"), 10);
    var selects = Array.prototype.slice.call(picker.querySelectorAll("select[data-region-level]"));
    var deeper = selects.filter(function (s) {
      return parseInt(s.getAttribute("data-region-level"), 10) > level;
    });
    deeper.forEach(resetSelect);
    var hidden = picker.querySelector("[data-region-value]");
    if (hidden) { hidden.value = pickerValue(picker); }
    var next = deeper[0];
    if (!select.value || !next) { return; }
    regionTree(picker.getAttribute("data-src")).then(function (tree) {
      (tree[select.value] || []).forEach(function (pair) {
        var option = document.createElement("option");
        option.value = pair[0];
        option.textContent = pair[1];
        next.appendChild(option);
      });
      next.disabled = next.options.length <= 1;
    });
  }, true);

  // ---------------------------------------------------------------- review queue
  // "Select all" ticks every row's checkbox; the count of selected rows is announced.
  function updateSelection(form) {
    var boxes = form.querySelectorAll("input[type=checkbox][name=ids]");
    var checked = form.querySelectorAll("input[type=checkbox][name=ids]:checked");
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && checked.length === boxes.length;
      all.indeterminate = checked.length > 0 && checked.length < boxes.length;
    }
    var counter = form.querySelector("[data-selected-count]");
    if (counter) { counter.textContent = String(checked.length); }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || target.type !== "checkbox" || !target.form) {
      return;
    }
    if (target.hasAttribute("data-select-all")) {
      target.form.querySelectorAll("input[type=checkbox][name=ids]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.hasAttribute("data-select-all") || target.name === "ids") {
      updateSelection(target.form);
    }
  });
})();

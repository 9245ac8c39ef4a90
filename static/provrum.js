// Progressive enhancement only: every action works without this file.
// 1. Conditional questions on the same step are hidden until their
//    condition holds (without JS they are all shown with a note).
// 2. The error summary takes focus after a failed submit.
(function () {
  "use strict";
  function valuesOf(form, name) {
    var out = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      out.push(el.value);
    });
    return out;
  }
  function update(form) {
    form.querySelectorAll("[data-shown-when-field]").forEach(function (wrap) {
      var want = JSON.parse(wrap.getAttribute("data-shown-when-values") || "[]");
      var have = valuesOf(form, wrap.getAttribute("data-shown-when-field"));
      var show = have.some(function (v) { return want.indexOf(v) >= 0; });
      wrap.hidden = !show;
      var note = wrap.querySelector(".conditional-note");
      if (note) note.hidden = true;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-step]");
    if (form) {
      update(form);
      form.addEventListener("change", function () { update(form); });
    }
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
    // A run in progress: reload its page every few seconds (a link does the
    // same without JavaScript; a meta refresh would fail WCAG 2.2.1).
    var refresh = document.querySelector("[data-auto-refresh]");
    if (refresh) {
      setTimeout(function () { window.location.reload(); }, 1000 * Number(refresh.getAttribute("data-auto-refresh")));
    }
    // Comparison: a slider that reveals the variant over the reference.
    document.querySelectorAll("[data-stack]").forEach(function (stack, i) {
      var top = stack.querySelector(".top");
      if (!top) return;
      var label = document.createElement("label");
      label.setAttribute("for", "slider-" + i);
      label.textContent = "Reglage: visa varianten från vänster";
      var range = document.createElement("input");
      range.type = "range"; range.min = "0"; range.max = "100"; range.value = "50"; range.id = "slider-" + i;
      function apply() {
        top.style.opacity = "1";
        top.style.clipPath = "inset(0 " + (100 - Number(range.value)) + "% 0 0)";
      }
      range.addEventListener("input", apply);
      stack.parentNode.insertBefore(label, stack);
      stack.parentNode.insertBefore(range, stack);
      apply();
    });
    // Comment form: a click on the step's screenshot pins the region.
    document.querySelectorAll("[data-pin-target]").forEach(function (img) {
      img.addEventListener("click", function (ev) {
        var scale = img.naturalWidth / img.clientWidth;
        var rect = img.getBoundingClientRect();
        var x = Math.round((ev.clientX - rect.left) * scale), y = Math.round((ev.clientY - rect.top) * scale);
        var set = function (k, v) { var el = document.querySelector('[data-region="' + k + '"]'); if (el) el.value = String(v); };
        set("x", Math.max(0, x - 100)); set("y", Math.max(0, y - 40)); set("w", 200); set("h", 80);
      });
    });
    // Sandbox, for staff: mark the fields that have comments, each mark
    // opening the panel's list (the list itself works without this).
    var pinned = document.querySelectorAll("[data-staff-panel] .pinned[data-field]");
    if (pinned.length) {
      var counts = {};
      pinned.forEach(function (p) { var f = p.getAttribute("data-field"); counts[f] = (counts[f] || 0) + 1; });
      Object.keys(counts).forEach(function (f) {
        var field = document.querySelector('main [data-field="' + f + '"]');
        if (!field) return;
        var head = field.querySelector("label, legend, h2") || field;
        var mark = document.createElement("a");
        mark.href = "#staff-panel-h";
        mark.className = "has-comments-mark";
        mark.setAttribute("data-comment-mark", f);
        mark.textContent = counts[f] === 1 ? "1 synpunkt" : counts[f] + " synpunkter";
        mark.addEventListener("click", function () {
          var d = document.querySelector("[data-staff-panel] details");
          if (d) d.open = true;
        });
        head.appendChild(mark);
      });
    }
    document.documentElement.setAttribute("data-ready", "1");
  });
})();

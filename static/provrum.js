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
  // A condition as `services::Condition` serialises it; `known` holds the
  // answers from earlier steps it names (the form has only this step's).
  function holds(form, c, known) {
    if (!c) return false;
    var have = known.hasOwnProperty(c.field) ? known[c.field] : valuesOf(form, c.field);
    var own = c.all
      ? c.equals.every(function (v) { return have.indexOf(v) >= 0; })
      : have.some(function (v) { return c.equals.indexOf(v) >= 0; });
    return own || (c.or || []).some(function (o) { return holds(form, o, known); });
  }
  function update(form) {
    form.querySelectorAll("[data-condition]").forEach(function (wrap) {
      var rule = JSON.parse(wrap.getAttribute("data-condition") || "{}");
      var known = rule.known || {};
      var show = (!rule.shown || holds(form, rule.shown, known)) && !holds(form, rule.hidden, known);
      wrap.hidden = !show;
      var note = wrap.querySelector(".conditional-note");
      if (note) note.hidden = true;
    });
  }

  // Sandbox, for staff: pin by click. "Peka på något på sidan" turns the
  // page into a target; the element clicked (or reached with Tab and Enter)
  // gets a dot, the comment sheet opens with its field and the text under
  // the pointer filled in, and the test room renders this very session's
  // page in its own browser for the screenshot (reviews::pins). Without
  // this script the panel's link to the full form does the same job.
  function skipped(el) {
    return el.hasAttribute("data-staff-panel") || el.hasAttribute("data-comment-mark") || el.hasAttribute("data-pin-ui");
  }
  // Element positions from <body>, skipping what only staff see: the test
  // room's own render has none of it.
  function pathOf(el) {
    var parts = [];
    while (el && el !== document.body && el.parentElement) {
      var i = 0;
      for (var s = el.parentElement.firstElementChild; s && s !== el; s = s.nextElementSibling) {
        if (!skipped(s)) i++;
      }
      parts.unshift(i);
      el = el.parentElement;
    }
    return parts.join(".");
  }
  function quoteAt(el, x, y) {
    var chosen = String(window.getSelection ? window.getSelection() : "").trim();
    if (chosen) return chosen;
    var text = "";
    if (/^(INPUT|SELECT|TEXTAREA|OPTION)$/.test(el.tagName)) {
      text = labelText(el.closest("[data-field]"));
    } else if (document.caretRangeFromPoint && x !== null) {
      var r = document.caretRangeFromPoint(x, y);
      var node = r && r.startContainer;
      if (node && node.nodeType === 3 && !node.parentElement.closest("[data-comment-mark], [data-pin-ui]")) text = node.textContent;
    }
    if (!text.trim()) text = el.matches("label, legend") ? labelText(el.parentElement) : (el.innerText || el.textContent || "");
    text = text.replace(/\s+/g, " ").trim();
    if (text.length > 200) text = text.slice(0, 200).replace(/\s\S*$/, "") + "…";
    return text;
  }
  // A field's label without the "2 synpunkter" mark added to it for staff.
  function labelText(holder) {
    var label = holder && holder.querySelector("label, legend, h2");
    if (!label) return "";
    var copy = label.cloneNode(true);
    copy.querySelectorAll("[data-comment-mark]").forEach(function (m) { m.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }
  function formValues() {
    var form = document.querySelector("form[data-step]"), values = [], names = [];
    if (!form) return [values, names];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || /^(file|hidden|submit|button)$/.test(el.type)) return;
      if (names.indexOf(el.name) < 0) names.push(el.name);
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      values.push([el.name, el.value]);
    });
    return [values, names];
  }
  function pinByClick() {
    var panel = document.querySelector("[data-staff-panel]");
    var start = panel && panel.querySelector("[data-pin-start]");
    var sheet = panel && panel.querySelector("[data-pin-sheet]");
    if (!start || !sheet || !window.fetch) return;
    var form = sheet.querySelector("form"), banner = panel.querySelector("[data-pin-banner]");
    var place = form.elements.plats.getAttribute("data-place");
    var pinning = false, hover = null, dot = null, picked = null;
    start.hidden = false;
    function target(el) {
      if (!el || el.nodeType !== 1 || el === document.documentElement) return null;
      if (el.closest("[data-staff-panel], [data-pin-ui]")) return null;
      var mark = el.closest("[data-comment-mark]");
      return mark ? mark.parentElement : el;
    }
    function stop() {
      pinning = false;
      document.documentElement.classList.remove("pin-mode");
      if (hover) hover.classList.remove("pin-hover");
      hover = null;
      banner.hidden = true;
    }
    function close() {
      sheet.hidden = true;
      if (dot) { dot.remove(); dot = null; }
      if (picked) { picked.classList.remove("pin-picked"); picked = null; }
      form.elements.plats.value = place;
      form.elements.bild.value = "";
      start.focus();
    }
    function pin(el, pageX, pageY, clientX, clientY) {
      stop();
      if (picked) picked.classList.remove("pin-picked");
      picked = el;
      el.classList.add("pin-picked");
      var r = el.getBoundingClientRect();
      var left = r.left + window.scrollX, top = r.top + window.scrollY;
      if (!dot) {
        dot = document.createElement("span");
        dot.className = "pin-dot";
        dot.setAttribute("data-pin-ui", "");
        dot.setAttribute("data-pin-marker", "");
        dot.setAttribute("aria-hidden", "true");
        document.body.appendChild(dot);
      }
      dot.style.left = pageX + "px";
      dot.style.top = pageY + "px";
      var holder = el.closest("main [data-field]");
      var field = holder && place.indexOf(":") < 0 ? holder.getAttribute("data-field") : "";
      var label = labelText(holder);
      form.elements.plats.value = field ? place + "|" + field : place;
      form.elements.citat.value = quoteAt(el, clientX, clientY);
      sheet.querySelector("[data-pin-what]").textContent = field && label
        ? "fältet ”" + label + "”"
        : "det du pekade på";
      sheet.hidden = false;
      form.elements.text.focus();
      var vn = formValues(), data = new URLSearchParams();
      data.set("_csrf", form.elements._csrf.value);
      data.set("plats", place);
      data.set("sida", form.elements.tillbaka.value);
      data.set("element", pathOf(el));
      data.set("fx", r.width ? String((pageX - left) / r.width) : "0.5");
      data.set("fy", r.height ? String((pageY - top) / r.height) : "0.5");
      data.set("bredd", String(window.innerWidth));
      data.set("varden", JSON.stringify(vn[0]));
      data.set("namn", JSON.stringify(vn[1]));
      form.setAttribute("data-shot", "pending");
      fetch(form.getAttribute("data-point-url"), { method: "POST", body: data, credentials: "same-origin" })
        .then(function (res) { return res.ok ? res.text() : ""; })
        .then(function (token) {
          form.elements.bild.value = token.trim();
          form.setAttribute("data-shot", token.trim() ? "started" : "failed");
        })
        .catch(function () { form.setAttribute("data-shot", "failed"); });
    }
    start.addEventListener("click", function () {
      pinning = true;
      document.documentElement.classList.add("pin-mode");
      banner.hidden = false;
    });
    banner.querySelector("[data-pin-stop]").addEventListener("click", function () { stop(); start.focus(); });
    sheet.querySelector("[data-pin-cancel]").addEventListener("click", close);
    sheet.addEventListener("keydown", function (ev) { if (ev.key === "Escape") close(); });
    // Saved in place, so whatever the reviewer has typed into the step
    // stays as it is; the panel takes the saved comment from the page the
    // save leads to. A refusal is said in the sheet.
    function sheetError(text) {
      var p = sheet.querySelector("[data-pin-error]");
      if (!p) {
        p = document.createElement("p");
        p.className = "error-message";
        p.setAttribute("role", "alert");
        p.setAttribute("data-pin-error", "");
        form.insertBefore(p, form.querySelector(".actions"));
      }
      p.textContent = text;
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("[data-action=save-pinned-comment]");
      button.disabled = true;
      fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin" })
        .then(function (res) { return res.text().then(function (html) { return [res.url, html]; }); })
        .then(function (r) {
          button.disabled = false;
          var m = /[?&]sparad=(\d+)/.exec(r[0]);
          var doc = new DOMParser().parseFromString(r[1], "text/html");
          if (!m) {
            var err = doc.querySelector("main .error-summary li, main .error-message, main [role=alert], main p");
            sheetError(err ? err.textContent.trim() : "Synpunkten kunde inte sparas. Försök igen.");
            return;
          }
          var err0 = sheet.querySelector("[data-pin-error]");
          if (err0) err0.remove();
          var key = doc.querySelector("[data-pin-form] [name=_nyckel]");
          if (key) form.elements._nyckel.value = key.value;
          ["text", "motivering", "citat"].forEach(function (n) { form.elements[n].value = ""; });
          form.querySelectorAll("[name=klass]").forEach(function (c) { c.checked = false; });
          close();
          var fresh = doc.querySelector("[data-staff-panel]");
          var heading = fresh && fresh.querySelector("#staff-panel-h");
          if (heading) panel.querySelector("#staff-panel-h").innerHTML = heading.innerHTML;
          var own = ".staff-comments:not([data-elsewhere])";
          var list = fresh && fresh.querySelector(own);
          var old = panel.querySelector(own);
          if (list && old) old.replaceWith(list);
          else if (list) panel.querySelector(".wrap").insertBefore(list, panel.querySelector("[data-elsewhere]"));
          var saved = panel.querySelector("[data-saved-comment]");
          if (!saved) {
            saved = document.createElement("p");
            saved.className = "staff-saved";
            saved.setAttribute("role", "status");
            panel.querySelector(".wrap").insertBefore(saved, panel.querySelector(".staff-bar"));
          }
          saved.setAttribute("data-saved-comment", m[1]);
          saved.textContent = "Din synpunkt är sparad. ";
          var a = document.createElement("a");
          a.href = "/synpunkter/" + m[1];
          a.textContent = "Visa synpunkten";
          saved.appendChild(a);
        })
        .catch(function () {
          button.disabled = false;
          sheetError("Synpunkten kunde inte sparas: ingen kontakt med provrummet. Försök igen.");
        });
    });
    document.addEventListener("mouseover", function (ev) {
      if (!pinning) return;
      if (hover) hover.classList.remove("pin-hover");
      hover = target(ev.target);
      if (hover) hover.classList.add("pin-hover");
    }, true);
    document.addEventListener("click", function (ev) {
      if (!pinning) return;
      var el = target(ev.target);
      if (!el) return;
      ev.preventDefault();
      ev.stopPropagation();
      pin(el, ev.pageX, ev.pageY, ev.clientX, ev.clientY);
    }, true);
    document.addEventListener("keydown", function (ev) {
      if (!pinning) return;
      if (ev.key === "Escape") { stop(); start.focus(); return; }
      if (ev.key !== "Enter") return;
      var el = target(document.activeElement);
      if (!el || el === document.body) return;
      ev.preventDefault();
      var r = el.getBoundingClientRect();
      pin(el, r.left + window.scrollX + r.width / 2, r.top + window.scrollY + r.height / 2, null, null);
    }, true);
  }

  // The comparison's review queue: j/k next/previous, a approve, f flag
  // with the comment field focused (Chromatic's keys). Never while typing.
  function queueKeys() {
    var nav = document.querySelector("[data-queue-nav]");
    if (!nav) return;
    var form = document.querySelector("[data-queue-form]");
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var t = ev.target;
      if (t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) && t.type !== "radio") return;
      var go = function (key) { var a = nav.querySelector('[data-key="' + key + '"]'); if (a) window.location.href = a.href; };
      if (ev.key === "j") go("j");
      else if (ev.key === "k") go("k");
      else if (form && ev.key === "a") { form.querySelector("#q-ok").checked = true; form.submit(); }
      else if (form && ev.key === "f") { ev.preventDefault(); form.querySelector("#q-flag").checked = true; form.querySelector("#q-comment").focus(); }
    });
  }
  // The comment list, for e-kontoret: a position taken in the row is saved
  // in place, and the next comment waiting for one is selected; keys move
  // between rows and choose the status (without this, each row's form
  // posts and the list comes back with the next waiting comment marked).
  function triageList() {
    var table = document.querySelector("table[data-triage-list]");
    if (!table) return;
    var keys = document.querySelector("[data-triage-keys]");
    if (keys) keys.hidden = false;
    var live = document.querySelector("[data-triage-status]");
    var rows = function () { return Array.prototype.slice.call(table.querySelectorAll("tbody tr")); };
    var current = null;
    function select(row) {
      if (current) current.classList.remove("current");
      current = row;
      if (row) { row.tabIndex = -1; row.classList.add("current"); row.focus(); }
    }
    function nextWaiting(from) {
      var list = rows(), i = list.indexOf(from);
      for (var k = i + 1; k < list.length; k++) if (list[k].getAttribute("data-status") === "ny") return list[k];
      return list[i + 1] || null;
    }
    function rowError(form, text) {
      var p = form.querySelector(".error-message");
      if (!p) { p = document.createElement("p"); p.className = "error-message"; p.setAttribute("role", "alert"); form.appendChild(p); }
      p.textContent = text;
      form.elements.skal.setAttribute("aria-invalid", "true");
      form.elements.skal.focus();
    }
    function save(form) {
      var row = form.closest("tr");
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin" })
        .then(function (res) { return res.text().then(function (html) { return [res.ok, html]; }); })
        .then(function (r) {
          button.disabled = false;
          if (!r[0]) {
            var doc = new DOMParser().parseFromString(r[1], "text/html");
            var err = doc.querySelector("main .error-summary a, main .error-summary p");
            rowError(form, err ? err.textContent.trim() : "Statusen kunde inte sparas. Försök igen.");
            return;
          }
          var old = form.querySelector(".error-message");
          if (old) old.remove();
          form.elements.skal.removeAttribute("aria-invalid");
          var status = form.elements.status;
          row.setAttribute("data-status", status.value);
          row.setAttribute("data-saved", "");
          var next = nextWaiting(row);
          if (live) {
            live.textContent = "Synpunkt " + row.getAttribute("data-comment") + ": " +
              status.options[status.selectedIndex].text + " sparad." +
              (next ? " Nästa: synpunkt " + next.getAttribute("data-comment") + "." : "");
          }
          select(next);
        })
        .catch(function () { button.disabled = false; rowError(form, "Statusen kunde inte sparas. Försök igen."); });
    }
    table.addEventListener("submit", function (ev) {
      var form = ev.target.closest("form[data-triage-row]");
      if (!form) return;
      ev.preventDefault();
      save(form);
    });
    table.addEventListener("focusin", function (ev) {
      var row = ev.target.closest("tbody tr");
      if (row && row !== current) { if (current) current.classList.remove("current"); current = row; row.classList.add("current"); }
    });
    var start = location.hash && document.getElementById(location.hash.slice(1));
    if (start && table.contains(start)) select(start);
    var choose = { a: "accepterad", u: "uppskjuten", t: "atgardad", v: "avvisad" };
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var t = ev.target;
      if (t && /^(INPUT|TEXTAREA|SELECT|BUTTON|A)$/.test(t.tagName)) {
        if (ev.key === "Escape" && current) current.focus();
        return;
      }
      var list = rows();
      if (ev.key === "j" || ev.key === "k") {
        var i = list.indexOf(current);
        var to = ev.key === "j" ? list[i + 1] || list[0] : list[i - 1] || list[list.length - 1];
        if (current === null) to = list[0];
        select(to);
      } else if (current && ev.key === "Enter") {
        var link = current.querySelector("a");
        if (link) window.location.href = link.href;
      } else if (current && choose[ev.key]) {
        ev.preventDefault();
        var form = current.querySelector("form[data-triage-row]");
        form.elements.status.value = choose[ev.key];
        if (ev.key === "v") form.elements.skal.focus();
        else save(form);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-step]");
    if (form) {
      update(form);
      form.addEventListener("change", function () { update(form); });
      // "Lämna synpunkt" from a step saves the answers typed so far first
      // (the step's own button does it without JavaScript).
      var draft = form.querySelector("[data-action=comment-draft]");
      var leave = document.querySelector("[data-action=leave-feedback]");
      if (draft && leave && form.requestSubmit) {
        draft.hidden = true;
        leave.addEventListener("click", function (ev) {
          ev.preventDefault();
          form.requestSubmit(draft);
        });
      }
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
    var pinned = document.querySelectorAll("[data-staff-panel] .staff-comments:not([data-elsewhere]) .pinned[data-field]");
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
    pinByClick();
    queueKeys();
    triageList();
    document.documentElement.setAttribute("data-ready", "1");
  });
})();

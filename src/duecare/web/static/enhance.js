// duecare progressive enhancement (every page works without it). No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  // The viewer's time zone, so that staff pages label times in it (the server falls back to Asia/Shanghai).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("duecare_tz=") === -1) {
      document.cookie = "duecare_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* an old browser: the default zone is used */ }

  // Adaptive questions: <div data-show-when="has_income=yes"> is shown only when that radio is chosen.
  function applyShowWhen(root) {
    root.querySelectorAll("[data-show-when]").forEach(function (el) {
      var parts = el.getAttribute("data-show-when").split("=");
      var form = el.closest("form");
      if (!form) return;
      var checked = form.querySelector('input[name="' + parts[0] + '"]:checked');
      var show = !!checked && checked.value === parts[1];
      el.hidden = !show;
      el.querySelectorAll("input, select, textarea").forEach(function (f) { f.disabled = !show; });
    });
  }

  // Live forms (a small subset of htmx): <form data-live data-target="#results"> re-renders the target
  // from the server (the same URL with HX-Request: true returns only the fragment) when a field changes.
  function liveSubmit(form) {
    var target = document.querySelector(form.getAttribute("data-target"));
    if (!target) return;
    var params = new URLSearchParams(new FormData(form));
    var url = (form.getAttribute("action") || location.pathname) + "?" + params.toString();
    target.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        target.innerHTML = html;
        target.removeAttribute("aria-busy");
        history.replaceState(null, "", url);
      })
      .catch(function () { form.submit(); });
  }

  // Repeating rows: <button data-add-row="#rows" data-template="#row-template">.
  function addRow(button) {
    var rows = document.querySelector(button.getAttribute("data-add-row"));
    var tpl = document.querySelector(button.getAttribute("data-template"));
    if (rows && tpl) {
      rows.appendChild(tpl.content.cloneNode(true));
      var inputs = rows.querySelectorAll("input");
      if (inputs.length) inputs[inputs.length - 2].focus();
    }
  }

  document.addEventListener("change", function (e) {
    var form = e.target.closest && e.target.closest("form");
    if (!form) return;
    applyShowWhen(form);
    if (form.hasAttribute("data-live")) liveSubmit(form);
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-add-row]");
    if (b) { e.preventDefault(); addRow(b); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    applyShowWhen(document);
    document.querySelectorAll("form[data-live] [data-live-submit]").forEach(function (b) { b.hidden = true; });
  });
})();

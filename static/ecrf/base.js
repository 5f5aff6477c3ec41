// Behaviour of every page, bound here because the Content-Security-Policy allows no inline script.
document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});

// The session ends after a time without requests: warn before it does, and let the user stay
// signed in without leaving the page (and so without losing what they typed).
(function () {
  var warning = document.getElementById("session-warning");
  if (!warning) { return; }
  var ended = document.getElementById("session-ended");
  var idle = Number(warning.dataset.idleSeconds) * 1000;
  var lead = Number(warning.dataset.warningSeconds) * 1000;
  var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  var activityPing = 5 * 60 * 1000;
  var warnTimer, endTimer, lastRequest = Date.now();

  function show(element, shown) { element.classList.toggle("d-none", !shown); }

  function schedule() {
    lastRequest = Date.now();
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    show(warning, false);
    warnTimer = setTimeout(function () {
      show(warning, true);
      document.getElementById("session-stay").focus();
    }, Math.max(idle - lead, 0));
    endTimer = setTimeout(signedOut, idle);
  }

  function signedOut() {
    clearTimeout(warnTimer);
    show(warning, false);
    show(ended, true);
  }

  function stay() {
    if (!ended.classList.contains("d-none")) { return; }
    fetch(warning.dataset.keepaliveUrl, {
      method: "POST", credentials: "same-origin", headers: headers,
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      if (response.ok && json) { schedule(); } else { signedOut(); }
    }, function () { /* offline: the timers stay as they are */ });
  }

  document.getElementById("session-stay").addEventListener("click", stay);
  // Typing on the page is activity too: tell the server, at most every five minutes.
  ["keydown", "input"].forEach(function (type) {
    document.addEventListener(type, function () {
      if (Date.now() - lastRequest > activityPing) { stay(); }
    }, { passive: true });
  });
  document.body.addEventListener("htmx:afterRequest", schedule);
  schedule();
})();

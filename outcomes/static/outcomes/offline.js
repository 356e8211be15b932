/* Outcomes offline support on the worksheet pages:
 * - registers the service worker (/outcomes/sw.js, scope /outcomes/) that serves the
 *   worksheet pages already opened on this phone without signal;
 * - sends worksheets queued on this phone (IndexedDB, key "worksheet-outbox:<client id>")
 *   when the signal is back; each carries its client id, so a retry is applied once;
 * - shows whether the phone is offline and how many worksheets wait.
 * Needs idb-keyval (static/vendor/idb-keyval). */
(function () {
  "use strict";
  var idb = window.idbKeyval;
  var OUTBOX = "worksheet-outbox:";
  var statusEl = document.getElementById("offline-status");
  var T = {
    offline: statusEl ? statusEl.dataset.offlineText : "",
    waiting: statusEl ? statusEl.dataset.waitingText : "",
    sent: statusEl ? statusEl.dataset.sentText : "",
    login: statusEl ? statusEl.dataset.loginText : "",
  };

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function pending() {
    if (!idb) return [];
    var keys = await idb.keys();
    return keys.filter(function (k) { return typeof k === "string" && k.indexOf(OUTBOX) === 0; });
  }

  async function showStatus(extra) {
    if (!statusEl) return;
    var keys = await pending();
    var text = "";
    if (!navigator.onLine) text = T.offline;
    if (keys.length) text += (text ? " " : "") + T.waiting.replace("{count}", keys.length);
    if (extra) text = extra;
    statusEl.textContent = text;
    statusEl.classList.toggle("d-none", !text);
  }

  var flushing = false;
  async function flush() {
    if (!idb || flushing || !navigator.onLine) return showStatus();
    flushing = true;
    var sent = 0;
    var expired = false;
    try {
      var keys = await pending();
      for (var i = 0; i < keys.length; i++) {
        var entry = await idb.get(keys[i]);
        if (!entry) continue;
        var body = new FormData();
        entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
        var response;
        try {
          response = await fetch(entry.url, {
            method: "POST", body: body, credentials: "same-origin",
            headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
          });
        } catch (error) { break; }  // still no signal: try again later
        var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
        if (response.redirected) { expired = true; break; }  // signed out: keep it, ask to log in
        if (response.ok && isJson) { await idb.del(keys[i]); sent++; }
        else {
          entry.error = response.status + " " + (isJson ? await response.text() : "");
          await idb.set(keys[i], entry);  // kept: nothing typed is lost
        }
      }
    } finally { flushing = false; }
    document.dispatchEvent(new CustomEvent("outcomes:outbox-flushed", { detail: { sent: sent } }));
    await showStatus(expired ? T.login : sent ? T.sent : "");
  }

  window.outcomesOutbox = { flush: flush, csrfToken: csrfToken, OUTBOX: OUTBOX };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/outcomes/sw.js", { scope: "/outcomes/" }).catch(function () {});
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[action*='logout']"), function (logout) {
    logout.addEventListener("submit", function () { if (window.caches) caches.delete("outcomes-pages-v1"); });
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { showStatus(); });
  flush();
})();

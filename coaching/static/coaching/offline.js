/* Coaching offline support on every coaching page:
 * - registers the service worker (/coaching/sw.js, scope /coaching/) that serves the
 *   workspace and the visit forms without signal;
 * - sends visits queued on this phone (IndexedDB, key "visit-outbox:<client id>") when the
 *   signal is back; each carries its client id, so a retry never makes a second visit;
 * - shows whether the phone is offline and how many visits wait.
 * Needs idb-keyval (static/vendor/idb-keyval). */
(function () {
  "use strict";
  var idb = window.idbKeyval;
  var OUTBOX = "visit-outbox:";
  var statusEl = document.getElementById("offline-status");
  // The texts come translated from the page (data-*-text on #offline-status).
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

  function toFormData(entry) {
    var data = new FormData();
    entry.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    (entry.photos || []).forEach(function (photo) {
      data.append("photo", photo.blob, photo.name || "photo.jpg");
      data.append("photo_client_id", photo.client_id);
    });
    return data;
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
        var response;
        try {
          response = await fetch(entry.url, {
            method: "POST", body: toFormData(entry), credentials: "same-origin",
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
    document.dispatchEvent(new CustomEvent("coaching:outbox-flushed", { detail: { sent: sent } }));
    await showStatus(expired ? T.login : sent ? T.sent : "");
  }

  window.coachingOutbox = { flush: flush, csrfToken: csrfToken, OUTBOX: OUTBOX };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/coaching/sw.js", { scope: "/coaching/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // Keep the visit forms of my pairs ready for a place without signal.
      var links = Array.prototype.map.call(document.querySelectorAll("a[data-testid=log-visit]"), function (a) { return a.href; });
      if (links.length && window.caches) {
        caches.open("coaching-pages-v1").then(function (cache) {
          links.forEach(function (url) { cache.match(url).then(function (hit) { if (!hit) cache.add(url).catch(function () {}); }); });
        });
      }
    }).catch(function () {});
  }
  // Logging out forgets the pages kept for offline use (on a shared phone the next person must
  // not read them); visits waiting in the outbox stay, so that nothing typed is lost.
  Array.prototype.forEach.call(document.querySelectorAll("form[action*='logout']"), function (logout) {
    logout.addEventListener("submit", function () {
      if (window.caches) caches.delete("coaching-pages-v1");
    });
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { showStatus(); });
  flush();
})();

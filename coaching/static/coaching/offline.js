/* Coaching offline support on every coaching page:
 * - registers the service worker (/coaching/sw.js, scope /coaching/), which keeps the coach's
 *   pages (workspace, their visits, each pair's page and visit form) for a place without signal;
 * - sends the visits queued on this phone (IndexedDB, key "visit-outbox:<client id>") when the
 *   signal is back; each carries its client id, so a retry never makes a second visit;
 * - before sending, asks the server whether this browser is still signed in and for a CSRF token
 *   of the current session: a visit queued before the session ended goes through after logging
 *   in again, and while signed out the page says so, with a link that comes back here;
 * - shows whether the phone is offline, how many visits wait, and every visit that could not be
 *   sent with its reason and a choice to try again or to open and fix it: never silently stuck;
 * - remembers the visits the server has ("visit-sent": client id -> the visit's page), so a form
 *   brought back by Back or a reload says so instead of sending a copy (visit-form.js).
 * Needs idb-keyval (static/vendor/idb-keyval). */
(function () {
  "use strict";
  var idb = window.idbKeyval;
  var OUTBOX = "visit-outbox:";
  var DRAFT = "visit-draft:";
  var SENT = "visit-sent";
  var OLD_SENT = "visit-submitted"; // before sent visits kept their page: a list of client ids
  var PAGES = "coaching-pages-v1";
  var ASKED = "coaching-pages-asked-at";  // when this page last asked the worker to keep new pages
  var statusEl = document.getElementById("offline-status");
  var data = statusEl ? statusEl.dataset : {};
  var loginNeeded = false;
  var lastNote = "";

  function text(name) { return data[name] || ""; }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Whether this browser is signed in, and a token of the session it has now.
  async function serverState() {
    var response = await fetch(data.stateUrl || "/coaching/offline.json", {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" },
    });
    if (!response.ok) throw new Error("state " + response.status);
    return response.json();
  }

  async function entries(prefix) {
    if (!idb) return [];
    var keys = (await idb.keys()).filter(function (k) { return typeof k === "string" && k.indexOf(prefix) === 0; });
    var rows = [];
    for (var i = 0; i < keys.length; i++) {
      var entry = await idb.get(keys[i]);
      if (entry) rows.push({ key: keys[i], entry: entry });
    }
    rows.sort(function (a, b) { return (a.entry.queued_at || a.entry.saved_at || 0) - (b.entry.queued_at || b.entry.saved_at || 0); });
    return rows;
  }

  async function markSent(clientId, url) {
    if (!idb || !clientId) return;
    var sent = ((await idb.get(SENT)) || []).filter(function (row) { return row.client_id !== clientId; });
    sent.push({ client_id: clientId, url: url || null, at: Date.now() });
    await idb.set(SENT, sent.slice(-200));
  }

  // The visit the server has under this client id ({client_id, url}), or null.
  async function sentRecord(clientId) {
    if (!idb || !clientId) return null;
    var sent = (await idb.get(SENT)) || [];
    for (var i = 0; i < sent.length; i++) if (sent[i].client_id === clientId) return sent[i];
    var old = (await idb.get(OLD_SENT)) || [];
    return old.indexOf(clientId) !== -1 ? { client_id: clientId, url: null } : null;
  }

  function toFormData(entry) {
    var form = new FormData();
    // The token typed into the page with the form belongs to the session of that moment, and
    // Django reads a token in the body before the header: only the header's current one goes.
    entry.fields.forEach(function (pair) { if (pair[0] !== "csrfmiddlewaretoken") form.append(pair[0], pair[1]); });
    (entry.photos || []).forEach(function (photo) {
      form.append("photo", photo.blob, photo.name || "photo.jpg");
      form.append("photo_client_id", photo.client_id);
    });
    return form;
  }

  function post(entry, token) {
    return fetch(entry.url, {
      method: "POST", body: toFormData(entry), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token },
    });
  }

  function isJson(response) { return (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1; }

  // Why the server did not take it, in words, with what it said about the fields.
  async function refusal(response) {
    var payload = {};
    if (isJson(response)) { try { payload = await response.json(); } catch (e) { payload = {}; } }
    var s = response.status;
    var reason = s === 400 ? text("refusedText") : s === 404 ? text("goneText") : s === 403 ? text("forbiddenText")
      : s === 413 ? text("tooLargeText") : s >= 500 ? text("serverText") : text("unknownText").replace("{status}", s);
    return { status: s, reason: reason, messages: payload.messages || [], errors: payload.errors || {}, at: Date.now() };
  }

  // Sends what waits; returns how many the server took.
  async function sendAll() {
    var sent = 0;
    var queued = await entries(OUTBOX);
    if (!queued.length) { loginNeeded = false; return 0; }
    var state = await serverState();
    loginNeeded = !state.authenticated;
    if (loginNeeded) return 0;
    for (var i = 0; i < queued.length; i++) {
      var entry = await idb.get(queued[i].key);  // another tab may have sent it meanwhile
      if (!entry) continue;
      var response = await post(entry, state.csrf_token || csrfToken());
      if (response.status === 403 && !isJson(response)) {
        // A token of an older session: take the current one and try once more.
        state = await serverState();
        loginNeeded = !state.authenticated;
        if (loginNeeded) break;
        response = await post(entry, state.csrf_token || csrfToken());
      }
      if (response.redirected) { loginNeeded = true; break; }  // signed out meanwhile: kept
      if (response.ok && isJson(response)) {
        var payload = await response.json();
        await markSent(entry.client_id, payload.url);
        await idb.del(queued[i].key);
        sent++;
      } else {
        entry.error = await refusal(response);
        await idb.set(queued[i].key, entry);  // kept: nothing typed is lost
      }
    }
    return sent;
  }

  var flushing = false;
  async function flush() {
    if (!idb || flushing || !navigator.onLine) return render();
    flushing = true;
    var sent = 0;
    try {
      sent = await sendAll();
    } catch (error) {
      /* no signal after all: everything stays queued, tried again when the signal is back */
    } finally {
      flushing = false;
    }
    if (sent) lastNote = text("sentText");
    document.dispatchEvent(new CustomEvent("coaching:outbox-flushed", { detail: { sent: sent } }));
    await render();
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function visitDate(value) {
    if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return "";
    var parts = value.split("-").map(Number);
    var day = new Date(parts[0], parts[1] - 1, parts[2]);
    if (isNaN(day.getTime())) return "";
    var thai = (document.documentElement.lang || "th").indexOf("th") === 0;
    try {
      return day.toLocaleDateString(thai ? "th-TH-u-ca-buddhist" : "en-GB", { day: "numeric", month: "long", year: "numeric" });
    } catch (e) { return value; }
  }

  function fieldValue(entry, name) {
    if (entry.fields && !Array.isArray(entry.fields)) return entry.fields[name] || "";  // a draft
    var pair = (entry.fields || []).filter(function (p) { return p[0] === name; })[0];
    return pair ? pair[1] : "";
  }

  function title(entry) {
    var day = visitDate(fieldValue(entry, "visited_on"));
    return (entry.title || text("untitledText")) + (day ? " · " + day : "");
  }

  function openUrl(entry) { return entry.url + "#fix-" + entry.client_id; }

  // One queued visit: what it is, why it waits, and what the coach can do about it.
  function outboxRow(row, testid) {
    var entry = row.entry;
    var li = el("li", "mb-2");
    li.setAttribute("data-testid", testid);
    li.appendChild(el("strong", "", title(entry)));
    li.appendChild(el("div", "small", entry.error ? entry.error.reason : text("waitingRowText")));
    if (entry.error) {
      var said = (entry.error.messages || []).slice();
      Object.keys(entry.error.errors || {}).forEach(function (name) { said = said.concat(entry.error.errors[name]); });
      if (said.length) li.appendChild(el("div", "small text-muted", said.join(" ")));
    }
    var actions = el("div", "d-flex gap-3 align-items-center");
    if (entry.error) {
      var retry = el("button", "btn btn-sm btn-outline-primary", text("retryText"));
      retry.type = "button";
      retry.setAttribute("data-testid", "outbox-retry");
      retry.addEventListener("click", function () { flush(); });
      actions.appendChild(retry);
    }
    var open = el("a", "", text("openText"));
    open.href = openUrl(entry);
    open.setAttribute("data-testid", "outbox-open");
    actions.appendChild(open);
    li.appendChild(actions);
    return li;
  }

  async function render() {
    var queued = await entries(OUTBOX);
    if (statusEl) {
      statusEl.textContent = "";
      var waiting = queued.filter(function (row) { return !row.entry.error; });
      var stuck = queued.filter(function (row) { return row.entry.error; });
      if (!navigator.onLine) statusEl.appendChild(el("p", "mb-1", text("offlineText")));
      if (loginNeeded && queued.length) {
        var p = el("p", "mb-1", text("loginText") + " ");
        var link = el("a", "alert-link", text("loginLinkText"));
        link.href = (data.loginUrl || "/accounts/login/") + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
        link.setAttribute("data-testid", "outbox-login");
        p.appendChild(link);
        statusEl.appendChild(p);
      }
      if (waiting.length) statusEl.appendChild(el("p", "mb-1", text("waitingText").replace("{count}", waiting.length)));
      if (lastNote && !queued.length) statusEl.appendChild(el("p", "mb-1", lastNote));
      if (stuck.length) {
        statusEl.appendChild(el("p", "mb-1", text("stuckText")));
        var list = el("ul", "list-unstyled mb-0");
        stuck.forEach(function (row) { list.appendChild(outboxRow(row, "outbox-stuck")); });
        statusEl.appendChild(list);
      }
      statusEl.classList.toggle("d-none", !statusEl.childNodes.length);
    }
    renderMine(queued);
  }

  // The coach's list of visits (/coaching/visits/mine/): what waits on this phone, and drafts
  // typed without signal that the server has not seen yet.
  async function renderMine(queued) {
    var box = document.getElementById("phone-outbox");
    if (!box) return;
    box.textContent = "";
    queued.forEach(function (row) { box.appendChild(outboxRow(row, "phone-outbox-row")); });
    document.getElementById("phone-outbox-empty").classList.toggle("d-none", queued.length > 0);
    var drafts = document.getElementById("phone-drafts");
    var known = {};
    document.querySelectorAll("[data-testid=draft-row]").forEach(function (row) { known[row.dataset.clientId] = 1; });
    drafts.textContent = "";
    (await entries(DRAFT)).forEach(function (row) {
      var entry = row.entry;
      if (known[entry.client_id] || !entry.url) return;
      var li = el("li", "mb-2");
      li.setAttribute("data-testid", "phone-draft-row");
      li.appendChild(el("strong", "", title(entry)));
      li.appendChild(el("span", "text-muted small", " · " + text("phoneDraftText")));
      var open = el("a", "d-block", text("continueText"));
      open.href = entry.url;
      li.appendChild(open);
      drafts.appendChild(li);
    });
    var empty = document.getElementById("drafts-empty");
    if (empty) empty.classList.toggle("d-none", drafts.childNodes.length > 0);
  }

  window.coachingOutbox = {
    flush: flush, render: render, csrfToken: csrfToken, markSent: markSent, sentRecord: sentRecord,
    OUTBOX: OUTBOX, DRAFT: DRAFT,
  };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/coaching/sw.js", { scope: "/coaching/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // A pair confirmed since the worker installed: keep its pages too (asked at most every
      // ten minutes, so that a slow connection does not pay for it on every page).
      var asked = 0;
      try { asked = Number(window.localStorage.getItem(ASKED)) || 0; } catch (e) { asked = 0; }
      if (!registration.active || !navigator.onLine || Date.now() - asked < 600000) return;
      registration.active.postMessage({ type: "keep-pages" });
      try { window.localStorage.setItem(ASKED, String(Date.now())); } catch (e) { /* asked again next page */ }
    }).catch(function () {});
  }
  // Logging out forgets the pages kept for offline use (on a shared phone the next person must
  // not read them); visits waiting in the outbox stay, so that nothing typed is lost.
  Array.prototype.forEach.call(document.querySelectorAll("form[action*='logout']"), function (logout) {
    logout.addEventListener("submit", function () {
      if (window.caches) caches.delete(PAGES);
      try { window.localStorage.removeItem(ASKED); } catch (e) { /* nothing kept */ }
    });
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { render(); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) flush(); });
  flush();
})();

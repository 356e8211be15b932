/* The worksheet: nothing typed is lost.
 * - Every change is kept on the phone (IndexedDB, key "worksheet-draft:<page>") and, while
 *   online, on the server (POST to the draft URL, the form as typed).
 * - A reload, a closed browser or the page served by the service worker without signal
 *   opens the form as it was left.
 * - Sending without signal puts the worksheet in the outbox (offline.js sends it later);
 *   the client id travels with it, so the server applies it once however often it is sent. */
(function () {
  "use strict";
  var form = document.getElementById("worksheet-form");
  var idb = window.idbKeyval;
  if (!form || !idb) return;
  var draftKey = "worksheet-draft:" + form.getAttribute("action");
  var SENT = "worksheet-sent";
  var statusEl = document.getElementById("save-status");
  var clientInput = form.querySelector("input[name=client_id]");
  var state = { client_id: form.dataset.clientId };

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  function setStatus(text) { if (statusEl) statusEl.textContent = text; }

  function collect() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "client_id" || el.type === "submit") return;
      if (el.type === "radio") { if (el.checked) fields[el.name] = el.value; return; }
      fields[el.name] = el.value;
    });
    return fields;
  }

  function restore(fields) {
    if (!fields) return;
    Object.keys(fields).forEach(function (name) {
      Array.prototype.forEach.call(form.querySelectorAll('[name="' + name + '"]'), function (el) {
        if (el.type === "radio") el.checked = el.value === String(fields[name]);
        else el.value = fields[name];
      });
    });
  }

  async function saveLocal() {
    await idb.set(draftKey, { client_id: state.client_id, fields: collect(), saved_at: Date.now() });
    setStatus(form.dataset.savedLocalText);
  }

  function saveServer() {
    if (!navigator.onLine) return;
    fetch(form.dataset.draftUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.outcomesOutbox.csrfToken() },
      body: JSON.stringify({ draft: collect() }),
    }).then(function (response) { if (response.ok) setStatus(form.dataset.savedText); }).catch(function () {});
  }

  var localTimer, serverTimer;
  function changed() {
    clearTimeout(localTimer); clearTimeout(serverTimer);
    localTimer = setTimeout(saveLocal, 300);
    serverTimer = setTimeout(saveServer, 1500);
  }

  function showErrors(payload) {
    var box = document.getElementById("form-messages");
    box.textContent = "";
    var list = document.createElement("ul");
    (payload.messages || []).forEach(function (m) { var li = document.createElement("li"); li.textContent = m; list.appendChild(li); });
    Object.keys(payload.errors || {}).forEach(function (field) {
      var el = form.querySelector('[name="' + field + '"]');
      var label = el && el.labels && el.labels[0] ? el.labels[0].textContent.trim() + ": " : "";
      payload.errors[field].forEach(function (m) { var li = document.createElement("li"); li.textContent = label + m; list.appendChild(li); });
    });
    box.appendChild(list);
    box.classList.remove("d-none");
    box.scrollIntoView();
  }

  async function markSent(clientId) {
    var done = (await idb.get(SENT)) || [];
    done.push(clientId);
    await idb.set(SENT, done.slice(-200));
  }

  async function queue() {
    var fields = [];
    new FormData(form).forEach(function (value, name) { if (typeof value === "string") fields.push([name, value]); });
    await idb.set(window.outcomesOutbox.OUTBOX + state.client_id, {
      client_id: state.client_id, url: form.getAttribute("action"), fields: fields, queued_at: Date.now(),
    });
    await idb.del(draftKey);
    await markSent(state.client_id);
    form.classList.add("d-none");
    document.getElementById("queued-message").classList.remove("d-none");
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    await saveLocal();
    if (!navigator.onLine) return queue();
    setStatus(form.dataset.sendingText);
    var response;
    try {
      response = await fetch(form.getAttribute("action"), {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": window.outcomesOutbox.csrfToken() },
      });
    } catch (error) { return queue(); }
    var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
    if (response.redirected || !isJson) return queue();  // signed out meanwhile: keep it on the phone
    if (response.ok) {
      var payload = await response.json();
      await idb.del(draftKey);
      await markSent(state.client_id);
      window.location.assign(payload.url);
    } else if (response.status === 400) {
      showErrors(await response.json());
      setStatus("");
    } else if (response.status >= 500) {
      return queue();
    } else {
      showErrors({ messages: [response.status + " " + response.statusText] });
    }
  });

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  async function refusedFromOutbox() {
    // A worksheet queued offline that the server refused comes back here as the draft, with
    // the server's reasons, so that it can be fixed and sent again.
    var keys = await idb.keys();
    for (var i = 0; i < keys.length; i++) {
      if (typeof keys[i] !== "string" || keys[i].indexOf(window.outcomesOutbox.OUTBOX) !== 0) continue;
      var entry = await idb.get(keys[i]);
      if (!entry || !entry.error || entry.url !== form.getAttribute("action")) continue;
      var fields = {};
      entry.fields.forEach(function (pair) { fields[pair[0]] = pair[1]; });
      await idb.del(keys[i]);
      try { showErrors(JSON.parse(entry.error.slice(entry.error.indexOf(" ") + 1))); } catch (e) { /* not JSON */ }
      return { client_id: uuid(), fields: fields };
    }
    return null;
  }

  (async function init() {
    var local = (await refusedFromOutbox()) || (await idb.get(draftKey));
    var sent = (await idb.get(SENT)) || [];
    if (local) {
      state.client_id = sent.indexOf(local.client_id) !== -1 ? uuid() : local.client_id;
      restore(local.fields);
    } else {
      if (sent.indexOf(state.client_id) !== -1) state.client_id = uuid();  // a cached page's id already used
      var server = JSON.parse(document.getElementById("server-draft").textContent || "{}");
      if (server && Object.keys(server).length) restore(server);
    }
    clientInput.value = state.client_id;
    form.dataset.ready = "1";
  })();
})();

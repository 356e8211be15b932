/* The visit form: nothing typed is lost, nothing sent is doubled.
 * - Every change is kept on the phone (IndexedDB via idb-keyval, key "visit-draft:<pair>")
 *   and, while online, on the server (POST to the draft URL, the form as typed).
 * - A reload, a closed browser or a page served by the service worker without signal
 *   opens the form as it was left, photos included.
 * - A draft keeps one client id from its first keystroke until the server has it: the id is
 *   kept with the draft and in the page's history entry, so Back, a reload or the back-forward
 *   cache bring back the same id. A form whose visit was already sent or queued says so and
 *   offers to open it (or to start a new visit) instead of sending a copy.
 * - Submitting without signal puts the visit in the outbox (offline.js sends it later);
 *   the client id travels with it, so the server makes one visit however often it is sent.
 * - A queued visit that could not be sent comes back into the form to be fixed: by itself when
 *   the server refused its content, or when opened from the list of what waits (#fix-<id>). */
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  var idb = window.idbKeyval;
  if (!form || !idb) return;
  var outbox = window.coachingOutbox;
  var draftKey = outbox.DRAFT + form.dataset.match;
  var statusEl = document.getElementById("save-status");
  var previews = document.getElementById("photo-previews");
  var photoInput = document.getElementById("photo-input");
  var clientInput = form.querySelector("input[name=client_id]");
  var state = { client_id: form.dataset.clientId, photos: [] };
  var SKIP = { csrfmiddlewaretoken: 1, photo: 1, photo_client_id: 1 };

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
      if (!el.name || SKIP[el.name] || el.type === "file" || el.type === "button" || el.type === "submit") return;
      if (el.type === "radio") { if (el.checked) fields[el.name] = el.value; return; }
      var value = el.type === "checkbox" ? el.checked : el.value;
      if (el.name.indexOf("action_") === 0) { (fields[el.name] = fields[el.name] || []).push(value); return; }
      fields[el.name] = value;
    });
    return fields;
  }

  function ensureActionRows(count) {
    var rows = document.getElementById("action-rows");
    var template = document.getElementById("action-row-template");
    while (rows.querySelectorAll(".action-row").length < count) rows.appendChild(template.content.cloneNode(true));
  }

  function restore(fields) {
    if (!fields) return;
    var titles = fields.action_title || [];
    ensureActionRows(titles.length);
    Object.keys(fields).forEach(function (name) {
      if (name === "client_id") return;
      var value = fields[name];
      var els = form.querySelectorAll('[name="' + name + '"]');
      Array.prototype.forEach.call(els, function (el, index) {
        if (el.type === "radio") el.checked = el.value === value;
        else if (el.type === "checkbox") el.checked = value === true || value === "on";
        else if (Array.isArray(value)) el.value = value[index] !== undefined ? value[index] : "";
        else el.value = value;
      });
    });
  }

  function showPhase() {
    var checked = form.querySelector("input[name=phase]:checked");
    var phase = checked ? checked.value : "";
    document.querySelectorAll(".phase-guide, .phase-only").forEach(function (el) {
      el.classList.toggle("d-none", el.dataset.phase !== phase);
    });
  }

  var previewUrls = [];
  function renderPhotos() {
    previewUrls.forEach(function (url) { URL.revokeObjectURL(url); });
    previewUrls = [];
    previews.textContent = "";
    state.photos.forEach(function (photo, index) {
      var box = document.createElement("div");
      box.className = "photo-preview";
      var img = document.createElement("img");
      img.src = URL.createObjectURL(photo.blob);  // allowed by the page's img-src blob:
      previewUrls.push(img.src);
      img.alt = photo.name || "";
      img.className = "img-thumbnail visit-photo";
      img.dataset.testid = "photo-preview";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-link btn-sm d-block";
      remove.textContent = form.dataset.removeText;
      remove.addEventListener("click", function () { state.photos.splice(index, 1); renderPhotos(); saveLocal(); });
      box.appendChild(img);
      box.appendChild(remove);
      previews.appendChild(box);
    });
  }

  async function saveLocal() {
    await idb.set(draftKey, {
      client_id: state.client_id, fields: collect(), photos: state.photos, saved_at: Date.now(),
      url: form.action, title: form.dataset.organisation,
    });
    setStatus(form.dataset.savedLocalText);
  }

  function saveServer() {
    if (!navigator.onLine) return;
    var clientId = state.client_id;
    fetch(form.dataset.draftUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": outbox.csrfToken() },
      body: JSON.stringify({ client_id: clientId, draft: collect() }),
    }).then(function (response) {
      if (!response.ok) return;
      return response.json().then(async function (payload) {
        if (payload.status === "submitted" && clientId === state.client_id) {
          // Sent meanwhile (another tab, or this form came back by Back): never a copy.
          await outbox.markSent(clientId, payload.url);
          await idb.del(draftKey);
          showDone("sent", { url: payload.url });
        } else {
          setStatus(form.dataset.savedText);
        }
      });
    }).catch(function () {});
  }

  // The visit of this form is already on the server ("sent") or in the phone's outbox ("queued").
  async function alreadyDone(clientId) {
    var record = await outbox.sentRecord(clientId);
    if (record) return { kind: "sent", record: record };
    if (await idb.get(outbox.OUTBOX + clientId)) return { kind: "queued" };
    return null;
  }

  function remember() {
    clientInput.value = state.client_id;
    var entry = Object.assign({}, history.state || {}, { visitClientId: state.client_id });
    try { history.replaceState(entry, ""); } catch (e) { /* the draft still keeps the id */ }
  }

  function showDone(kind, record) {
    form.classList.add("d-none");
    document.getElementById("form-messages").classList.add("d-none");
    document.getElementById("visit-done").classList.remove("d-none");
    document.getElementById("queued-message").classList.toggle("d-none", kind !== "queued");
    document.getElementById("already-sent").classList.toggle("d-none", kind !== "sent");
    document.getElementById("open-sent-visit").href = (record && record.url) || form.dataset.mineUrl;
    setStatus("");
  }

  function startNew() {
    form.reset();
    var rows = document.querySelectorAll("#action-rows .action-row");
    for (var i = 1; i < rows.length; i++) rows[i].remove();
    state.client_id = uuid();
    state.photos = [];
    remember();
    renderPhotos();
    showPhase();
    document.getElementById("visit-done").classList.add("d-none");
    form.classList.remove("d-none");
    form.querySelector("input[name=visited_on]").focus();
  }

  var localTimer, serverTimer;
  function changed() {
    clearTimeout(localTimer); clearTimeout(serverTimer);
    localTimer = setTimeout(saveLocal, 300);
    serverTimer = setTimeout(saveServer, 1500);
    showPhase();
  }

  function showErrors(payload) {
    var box = document.getElementById("form-messages");
    box.textContent = "";
    var list = document.createElement("ul");
    (payload.messages || []).forEach(function (m) { var li = document.createElement("li"); li.textContent = m; list.appendChild(li); });
    Object.keys(payload.errors || {}).forEach(function (field) {
      var el = form.querySelector('[name="' + field + '"]');
      var label = el && el.labels && el.labels[0] ? el.labels[0].textContent + ": " : "";
      payload.errors[field].forEach(function (m) { var li = document.createElement("li"); li.textContent = label + m; list.appendChild(li); });
    });
    box.appendChild(list);
    box.classList.remove("d-none");
    box.scrollIntoView();
  }

  async function queue() {
    var data = new FormData(form);
    var fields = [];
    var skip = { photo: 1, photo_client_id: 1, csrfmiddlewaretoken: 1 };  // the token is taken when it is sent
    data.forEach(function (value, name) { if (!skip[name] && typeof value === "string") fields.push([name, value]); });
    await idb.set(outbox.OUTBOX + state.client_id, {
      client_id: state.client_id, url: form.action, fields: fields, photos: state.photos, queued_at: Date.now(),
      title: form.dataset.organisation,
    });
    await idb.del(draftKey);
    showDone("queued");
    if (navigator.onLine) outbox.flush();  // the server answered badly: try once more now, then say why
    else outbox.render();
  }

  var sending = false;
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (sending) return;  // a double tap
    var done = await alreadyDone(state.client_id);
    if (done) return showDone(done.kind, done.record);
    sending = true;
    try { await send(); } finally { sending = false; }
  });

  async function send() {
    clearTimeout(localTimer); clearTimeout(serverTimer);
    await saveLocal();
    if (!navigator.onLine) return queue();
    var data = new FormData(form);
    data.delete("photo");
    data.delete("csrfmiddlewaretoken");  // the header's token is the current session's; the page's may be older
    state.photos.forEach(function (photo) {
      data.append("photo", photo.blob, photo.name || "photo.jpg");
      data.append("photo_client_id", photo.client_id);
    });
    setStatus(form.dataset.sendingText);
    var response;
    try {
      response = await fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": outbox.csrfToken() },
      });
    } catch (error) { return queue(); }
    var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
    if (response.redirected || !isJson) return queue();  // signed out meanwhile: keep it on the phone
    if (response.ok) {
      var payload = await response.json();
      await outbox.markSent(state.client_id, payload.url);
      await idb.del(draftKey);
      window.location.assign(payload.url);
    } else if (response.status === 400) {
      showErrors(await response.json());
      setStatus("");
    } else if (response.status >= 500) {
      return queue();
    } else {
      showErrors({ messages: [response.status + " " + response.statusText] });
    }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", function (event) { if (event.target !== photoInput) changed(); });
  document.getElementById("add-action").addEventListener("click", function () { ensureActionRows(form.querySelectorAll(".action-row").length + 1); });
  photoInput.addEventListener("change", function () {
    Array.prototype.forEach.call(photoInput.files, function (file) {
      state.photos.push({ client_id: uuid(), name: file.name, type: file.type, blob: file });
    });
    photoInput.value = "";
    renderPhotos();
    saveLocal();
  });
  document.getElementById("locate-button").addEventListener("click", function () {
    var out = document.getElementById("locate-status");
    if (!navigator.geolocation) { out.textContent = form.dataset.noLocationText; return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("input[name=latitude]").value = position.coords.latitude.toFixed(6);
      form.querySelector("input[name=longitude]").value = position.coords.longitude.toFixed(6);
      out.textContent = form.dataset.locatedText;
      changed();
    }, function () { out.textContent = form.dataset.noLocationText; }, { timeout: 15000 });
  });

  function refused(entry) {
    var error = entry.error;
    if (!error) return false;
    return typeof error === "string" ? error.indexOf("400") === 0 : error.status === 400;
  }

  async function fromOutbox(fix) {
    // A queued visit comes back here as the draft, with the server's reasons, to be fixed and
    // sent again: the one opened from the list of what waits (#fix-<client id>), or one the
    // server refused (a 400: e.g. no date).
    var keys = await idb.keys();
    for (var i = 0; i < keys.length; i++) {
      if (typeof keys[i] !== "string" || keys[i].indexOf(outbox.OUTBOX) !== 0) continue;
      var entry = await idb.get(keys[i]);
      if (!entry || entry.url !== form.action) continue;
      if (!(fix ? entry.client_id === fix : refused(entry))) continue;
      var fields = {};
      entry.fields.forEach(function (pair) {
        if (pair[0].indexOf("action_") === 0) (fields[pair[0]] = fields[pair[0]] || []).push(pair[1]);
        else fields[pair[0]] = pair[1];
      });
      await idb.del(keys[i]);
      var error = entry.error;
      if (error && typeof error === "object") showErrors({ messages: [error.reason].concat(error.messages || []), errors: error.errors });
      else if (error) { try { showErrors(JSON.parse(error.slice(error.indexOf(" ") + 1))); } catch (e) { /* not JSON */ } }
      return { client_id: entry.client_id, fields: fields, photos: entry.photos || [] };
    }
    return null;
  }

  document.getElementById("start-new-visit").addEventListener("click", startNew);
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;  // back from the back-forward cache: the page as it was left
    alreadyDone(state.client_id).then(function (done) { if (done) showDone(done.kind, done.record); });
  });

  (async function init() {
    var fix = window.location.hash.indexOf("#fix-") === 0 ? window.location.hash.slice(5) : "";
    var local = await fromOutbox(fix);
    var remembered = history.state && history.state.visitClientId;
    if (!local && remembered) {
      // Back or a reload onto this form: the id it had. Sent or queued: say so, never a copy.
      var done = await alreadyDone(remembered);
      if (done) {
        state.client_id = remembered;
        clientInput.value = remembered;
        showDone(done.kind, done.record);
        form.dataset.ready = "1";
        return;
      }
    }
    if (!local) {
      var draft = await idb.get(draftKey);
      if (draft && !(await alreadyDone(draft.client_id))) local = draft;
    }
    if (local) {
      state.client_id = local.client_id;
      restore(local.fields);
      state.photos = local.photos || [];
      if (fix) saveLocal();
    } else if (await alreadyDone(state.client_id)) {
      state.client_id = uuid();  // this cached page's id was used by a visit already sent
      form.reset();
    } else {
      var server = JSON.parse(document.getElementById("server-draft").textContent || "{}");
      if (server && Object.keys(server).length) restore(server);
    }
    remember();
    renderPhotos();
    showPhase();
    form.dataset.ready = "1";
  })();
})();

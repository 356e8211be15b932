/*
 * keep-form.js: nothing typed into a long form is lost before the server has it.
 *
 * Mark a form:
 *   <form data-keep-form="application-12"        a name for this form
 *         data-keep-form-user="7"                 who is typing (copies are per form and person)
 *         data-keep-form-version="3f2a..."        a fingerprint of what the server holds now
 *         data-session-url="/session/">           optional: asks whether the session is still alive
 * and, optionally, a notice element <div data-keep-form-notice data-restored-text="..."
 * data-ended-text="..." data-login-text="..." data-login-url="..."> for the messages.
 *
 * What it does:
 * - every change is copied to localStorage under "keep-form:<name>:<user>" with the version;
 * - before sending, it asks data-session-url; if the session has ended it does not send (the
 *   login page would swallow the text), shows data-ended-text with a link to log in again,
 *   and keeps the copy;
 * - on load, a copy made against the same server version whose values differ from the form
 *   is put back into the form and data-restored-text is shown; a copy made against another
 *   version (the server has since saved something) is dropped, and so is a copy that the
 *   form already shows. So the copy lives until the server confirms a save.
 *
 * - if a form is sent anyway after the session ended (the check failed or raced), the login
 *   page it lands on (?next=<the form's page>) shows the text of its
 *   <div data-keep-form-login-notice data-text="..."> element, so the person knows that what
 *   they typed is kept and comes back after logging in.
 *
 * Text, choices and checkboxes are kept; files, passwords and hidden fields are not.
 * Reusable as it is by other forms (the coaches' visit notes, which may be typed offline).
 */
(function () {
  "use strict";

  var PREFIX = "keep-form:";
  var MAX_AGE_MS = 30 * 24 * 3600 * 1000;

  function storage() {
    try {
      var probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  function keptFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      if (!field.name || field.disabled || field.name === "csrfmiddlewaretoken") {
        return false;
      }
      var type = (field.type || "").toLowerCase();
      return ["file", "password", "hidden", "submit", "button", "reset"].indexOf(type) === -1;
    });
  }

  function values(form) {
    var data = {};
    keptFields(form).forEach(function (field) {
      var type = (field.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        data[field.name] = data[field.name] || [];
        if (field.checked) {
          data[field.name].push(field.value);
        }
      } else if (field.tagName === "SELECT" && field.multiple) {
        data[field.name] = Array.prototype.filter
          .call(field.options, function (option) { return option.selected; })
          .map(function (option) { return option.value; });
      } else {
        data[field.name] = field.value;
      }
    });
    return data;
  }

  function apply(form, data) {
    keptFields(form).forEach(function (field) {
      if (!(field.name in data)) {
        return;
      }
      var value = data[field.name];
      var type = (field.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        field.checked = Array.isArray(value) && value.indexOf(field.value) !== -1;
      } else if (field.tagName === "SELECT" && field.multiple) {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = Array.isArray(value) && value.indexOf(option.value) !== -1;
        });
      } else if (typeof value === "string") {
        field.value = value;
      }
      field.dispatchEvent(new CustomEvent("keep-form:restored", { bubbles: true }));
    });
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function notice(form, kind) {
    var box = document.querySelector("[data-keep-form-notice]");
    if (!box) {
      return;
    }
    box.textContent = box.getAttribute(kind === "ended" ? "data-ended-text" : "data-restored-text") || "";
    box.setAttribute("data-keep-form-state", kind);
    if (kind === "ended" && box.getAttribute("data-login-url")) {
      var link = document.createElement("a");
      link.href = box.getAttribute("data-login-url");
      link.className = "alert-link ms-1";
      link.setAttribute("data-testid", "keep-form-login");
      link.textContent = box.getAttribute("data-login-text") || "Log in";
      box.appendChild(document.createTextNode(" "));
      box.appendChild(link);
    }
    box.classList.remove("d-none");
    box.scrollIntoView({ block: "center" });
  }

  function keep(form) {
    var store = storage();
    if (!store) {
      return;
    }
    var key = PREFIX + form.getAttribute("data-keep-form") + ":" + (form.getAttribute("data-keep-form-user") || "");
    var version = form.getAttribute("data-keep-form-version") || "";

    function save() {
      try {
        store.setItem(key, JSON.stringify({ version: version, savedAt: Date.now(), values: values(form) }));
      } catch (error) {
        /* storage full: the form still works, the copy is just not kept */
      }
    }

    // Bring back what the server never received.
    var copy = null;
    try {
      copy = JSON.parse(store.getItem(key) || "null");
    } catch (error) {
      copy = null;
    }
    if (copy && (copy.version !== version || Date.now() - copy.savedAt > MAX_AGE_MS)) {
      store.removeItem(key);
    } else if (copy && !same(copy.values, values(form))) {
      apply(form, copy.values);
      notice(form, "restored");
    } else if (copy) {
      store.removeItem(key);
    }

    form.addEventListener("input", save);
    form.addEventListener("change", save);

    var url = form.getAttribute("data-session-url");
    var user = form.getAttribute("data-keep-form-user");
    var checked = false;
    form.addEventListener("submit", function (event) {
      save();
      remember(window.location.pathname);
      if (!url || !window.fetch || checked) {
        return;
      }
      event.preventDefault();
      var submitter = event.submitter || null;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) { return response.json(); })
        .then(function (session) {
          if (!session.authenticated || String(session.user) !== String(user)) {
            notice(form, "ended");
            return;
          }
          send();
        })
        .catch(send);

      function send() {
        checked = true;
        if (form.requestSubmit) {
          form.requestSubmit(submitter || undefined);
        } else {
          form.submit();
        }
      }
    });
  }

  // The page a kept form was last sent from, for the login page to recognise.
  var SENT = PREFIX + "sent";

  function remember(path) {
    try {
      window.sessionStorage.setItem(SENT, JSON.stringify({ path: path, at: Date.now() }));
    } catch (error) {
      /* no session storage: the login page just says nothing */
    }
  }

  function loginNotice() {
    var holder = document.querySelector("[data-keep-form-login-notice]");
    var sent = null;
    try {
      sent = JSON.parse(window.sessionStorage.getItem(SENT) || "null");
    } catch (error) {
      return;
    }
    if (!holder || !sent) {
      return;
    }
    var next = new URLSearchParams(window.location.search).get("next");
    if (next !== sent.path || Date.now() - sent.at > 3600 * 1000) {
      return;
    }
    var box = document.createElement("div");
    box.className = "alert alert-warning";
    box.setAttribute("role", "alert");
    box.setAttribute("data-testid", "keep-form-login-notice");
    box.textContent = holder.getAttribute("data-text") || "";
    var main = document.querySelector("main") || document.body;
    main.insertBefore(box, main.firstChild);
  }

  function init() {
    var forms = document.querySelectorAll("form[data-keep-form]");
    forms.forEach(keep);
    if (forms.length) {
      try {
        window.sessionStorage.removeItem(SENT); // back at a kept form: the text is handled there
      } catch (error) {
        /* nothing to clear */
      }
    } else {
      loginNotice();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

/*
 * char-count.js: a live count under every text box with a length limit.
 *
 * A <textarea data-maxlength="3000" data-count-text="{count} / {limit} characters"> gets a
 * line under it: "120 / 3000 characters", red once past the limit. The box itself never cuts
 * pasted text (no maxlength attribute): the server refuses too long a text with its message,
 * and keeps every character in the box.
 *
 * Every other textarea with a limit (a Django form field's max_length gives it a maxlength
 * attribute, the admin's included) is treated the same: the maxlength attribute is taken off
 * (so that pasted text is not cut without a word) and becomes its data-maxlength; the line
 * reads the page's own wording (<body data-count-text>).
 *
 * Line breaks count twice, as the browser sends them (CR LF) and the server counts them.
 */
(function () {
  "use strict";

  function length(value) {
    return Array.from(value.replace(/\r?\n/g, "\r\n")).length;
  }

  function attach(box) {
    if (!box.hasAttribute("data-maxlength") && box.hasAttribute("maxlength")) {
      box.setAttribute("data-maxlength", box.getAttribute("maxlength"));
      box.removeAttribute("maxlength");
    }
    var limit = parseInt(box.getAttribute("data-maxlength"), 10);
    if (!limit || box.dataset.countAttached) {
      return;
    }
    box.dataset.countAttached = "1";
    var template = box.getAttribute("data-count-text") || document.body.getAttribute("data-count-text") || "{count} / {limit}";
    var line = document.createElement("div");
    line.className = "form-text text-end char-count";
    line.setAttribute("aria-live", "polite");
    line.setAttribute("data-testid", "char-count-" + box.name);
    box.insertAdjacentElement("afterend", line);

    function update() {
      var count = length(box.value);
      line.textContent = template.replace("{count}", count.toLocaleString()).replace("{limit}", limit.toLocaleString());
      var over = count > limit;
      line.classList.toggle("text-danger", over);
      line.classList.toggle("fw-semibold", over);
      box.classList.toggle("is-invalid", over || box.classList.contains("is-invalid-server"));
    }

    if (box.classList.contains("is-invalid")) {
      box.classList.add("is-invalid-server");
    }
    box.addEventListener("input", update);
    box.addEventListener("keep-form:restored", update);
    update();
  }

  function init() {
    document.querySelectorAll("textarea[data-maxlength], textarea[maxlength]").forEach(attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

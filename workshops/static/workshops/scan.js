// Attendance at the door: read a participant's QR code with the phone camera (jsQR, vendored)
// and submit it in the check-in form. Without a camera, the form takes the typed code.
(function () {
  "use strict";
  var start = document.getElementById("scan-start");
  var area = document.getElementById("scan-area");
  var video = document.getElementById("scan-video");
  var canvas = document.getElementById("scan-canvas");
  var form = document.getElementById("scan-form");
  if (!start || !form || !window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var input = form.querySelector("input[name=payload]");
  var stream = null;
  start.hidden = false;

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    area.hidden = true;
  }

  function tick() {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) {
        input.value = code.data;
        stop();
        form.submit();
        return;
      }
    }
    window.requestAnimationFrame(tick);
  }

  start.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        area.hidden = false;
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(tick); })
      .catch(function () {
        stop();
        // The text comes translated from the page (data-no-camera-text).
        var message = document.getElementById("scan-message");
        if (message && start.dataset.noCameraText) {
          message.textContent = start.dataset.noCameraText;
          message.hidden = false;
        }
        input.focus();
      });
  });
  window.addEventListener("pagehide", stop);
})();

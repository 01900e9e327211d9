// Respondent pages, only as an enhancement (everything works without it):
// - a form sent once is not sent again by a second quick tap (the first answer is the one saved);
// - a minute before an untouched page goes back to the start, a warning offers more time;
// - a page restored from the back/forward cache is fetched again, so a handed-on tablet never shows
//   the previous person's page.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    // On a poor connection, let them try again after a while.
    window.setTimeout(function () { form.dataset.sent = ""; }, 8000);
  });
  // A shared tablet left untouched goes back to the start. A minute before, say so and offer more time.
  var idleMeta = document.querySelector('meta[name="respondent-idle-seconds"]');
  var warning = document.getElementById("idle-warning");
  if (idleMeta && warning) {
    var idleMs = Math.max(30, parseInt(idleMeta.content, 10) || 600) * 1000;
    var warnMs = Math.min(60000, idleMs / 2);
    var warnTimer = null;
    var leaveTimer = null;
    var restart = function () {
      window.clearTimeout(warnTimer);
      window.clearTimeout(leaveTimer);
      warning.hidden = true;
      warnTimer = window.setTimeout(function () {
        warning.hidden = false;
        document.getElementById("idle-keep-going").focus();
      }, idleMs - warnMs);
      leaveTimer = window.setTimeout(function () {
        // With the outbox (outbox.js), handing on works offline too; otherwise the server does it.
        if (window.RainbowHandOn) { window.RainbowHandOn(); } else { window.location.assign("/respond/idle"); }
      }, idleMs);
    };
    ["pointerdown", "keydown", "input", "scroll"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    document.getElementById("idle-keep-going").addEventListener("click", restart);
    restart();
  }
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });
})();

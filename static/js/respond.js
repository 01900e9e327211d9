// Respondent pages, only as an enhancement (everything works without it):
// - a form sent once is not sent again by a second quick tap (the first answer is the one saved);
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
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });
})();

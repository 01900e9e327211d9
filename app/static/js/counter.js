// A text box with a limit says how many characters are left as one types (only an enhancement: the page
// already states the limit, the box refuses more with maxlength, and the server says so if more arrives).
// Markup: <textarea maxlength="N" aria-describedby="ID"> and <p id="ID" data-counter-for="TEXTAREA-ID">.
(function () {
  "use strict";
  function update(box) {
    var counter = document.querySelector('[data-counter-for="' + box.id + '"]');
    var limit = parseInt(box.getAttribute("maxlength"), 10);
    if (!counter || !limit) {
      return;
    }
    var used = box.value.length;
    counter.textContent = used.toLocaleString("en-GB") + " of " + limit.toLocaleString("en-GB") +
      " characters used";
    counter.classList.toggle("counter-full", used >= limit);
  }
  function updateAll(root) {
    root.querySelectorAll("textarea[maxlength]").forEach(update);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[maxlength]")) {
      update(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { updateAll(document); });
  // Blocks swapped in by htmx (a statement saved, or shown again with its errors).
  document.addEventListener("htmx:afterSettle", function (event) { updateAll(event.target); });
})();

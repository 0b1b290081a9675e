// The sign form, in place. Without JavaScript the form posts as a normal page (and the server
// redirects to the "check your inbox" page); with it, the form posts with fetch and the JSON
// answer carries HTML rendered by the server that replaces the form area: the "check your
// inbox" message with the current count, or the form again with its errors. A short message
// goes to a status region for screen readers.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) {
    return;
  }

  function show(section, area, answer) {
    var status = section.querySelector("[data-sign-status]");
    area.innerHTML = answer.html;
    if (status) {
      status.textContent = answer.message || "";
    }
    var target = area.querySelector("[data-sign-sent], .notice, [aria-invalid='true']");
    if (target) {
      target.focus();
    }
  }

  document.querySelectorAll("[data-sign-area]").forEach(function (area) {
    var section = area.closest(".petition");
    window.sisterCity.postInPlace(area, "[data-sign-form]", function (answer) {
      show(section, area, answer);
    });
  });
})();

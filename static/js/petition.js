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

  function answerOf(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) {
      // e.g. a CSRF failure page: let the browser show it
      throw new Error("not an in-place answer");
    }
    return response.json();
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
    // Delegated: the form is replaced after an answer with errors.
    area.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches("[data-sign-form]")) {
        return;
      }
      event.preventDefault();
      var button = form.querySelector("button[type='submit']");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", Accept: "application/json" },
      })
        .then(answerOf)
        .then(function (answer) {
          show(section, area, answer);
        })
        .catch(function () {
          form.submit();
        });
    });
  });
})();

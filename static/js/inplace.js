/* Submit forms in place: POST with fetch, hand the JSON answer to the page's own code.
   Without JavaScript, or when the answer is not JSON (e.g. a CSRF failure page), the form
   submits normally. Loaded (with defer) before the scripts that use it. */
(function () {
  "use strict";

  function answerOf(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) {
      throw new Error("not an in-place answer");
    }
    return response.json();
  }

  // Delegated on `area`, because the answers replace the form inside it.
  function postInPlace(area, formSelector, onAnswer) {
    area.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches(formSelector)) {
        return;
      }
      event.preventDefault();
      var button = form.querySelector("button[type='submit']");
      if (button) {
        button.disabled = true;
      }
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", Accept: "application/json" },
      })
        .then(answerOf)
        .then(function (answer) {
          onAnswer(answer, form);
        })
        .catch(function () {
          form.submit();
        });
    });
  }

  window.sisterCity = window.sisterCity || {};
  window.sisterCity.postInPlace = postInPlace;
})();

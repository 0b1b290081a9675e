// The letter page's "Print" button; without JavaScript the browser's own print command works.
(function () {
  "use strict";
  document.querySelectorAll(".print-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();

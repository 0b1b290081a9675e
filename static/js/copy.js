// Copy buttons on campaign pages. Without JavaScript the buttons stay hidden and the message
// text is still there to select; with it, a button copies its message to the clipboard.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.innerText.trim()).then(function () {
        button.textContent = button.dataset.copied;
        window.setTimeout(function () {
          button.textContent = label;
        }, 2000);
      });
    });
  });
})();

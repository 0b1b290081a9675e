// Keyboard shortcuts for the moderation queue: j/k move between comments, a approves, r puts
// the focus on the reject reason (Enter then rejects), e opens the edit form, x selects for a
// bulk action. They only press the page's own buttons and links, which work without
// JavaScript; keys typed into a form field are left alone.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-comment]"));
  if (!items.length) {
    return;
  }
  var current = 0;

  function mark(index) {
    items[current].classList.remove("is-current");
    current = index;
    items[current].classList.add("is-current");
  }

  function move(step) {
    var index = Math.min(Math.max(current + step, 0), items.length - 1);
    mark(index);
    items[index].focus();
    items[index].scrollIntoView({ block: "nearest" });
  }

  function control(name) {
    return items[current].querySelector("[data-shortcut='" + name + "']");
  }

  function isTyping(target) {
    return target.closest && target.closest(
      "input:not([type='checkbox']), textarea, select, [contenteditable]"
    );
  }

  var keys = {
    j: function () { move(1); },
    k: function () { move(-1); },
    a: function () { var button = control("approve"); if (button) { button.click(); } },
    r: function () { var select = control("reject"); if (select) { select.focus(); } },
    e: function () { var link = control("edit"); if (link) { link.click(); } },
    x: function () { var box = control("select"); if (box) { box.click(); } },
  };

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var target = event.target;
    if (event.key === "Enter" && target.matches("select[data-shortcut='reject']")) {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    if (isTyping(target) || !Object.prototype.hasOwnProperty.call(keys, event.key)) {
      return;
    }
    event.preventDefault();
    keys[event.key]();
  });

  // Clicking or tabbing into a comment makes it the current one.
  items.forEach(function (item, index) {
    item.addEventListener("focusin", function () { mark(index); });
  });

  mark(0);
  var help = document.querySelector("[data-shortcuts-help]");
  if (help) {
    help.hidden = false;
  }
})();

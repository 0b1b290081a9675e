// The discussion, in place. Without JavaScript the comment form posts as a normal page (the
// server redirects back to the discussion with a message) and "Reply" opens a page with the
// form. With it, "Reply" points the form at the comment, and the form posts with fetch: the
// JSON answer carries HTML rendered by the server (a blank form with the message, or the form
// with its errors) and, when the comment is published at once, the comment to insert. The
// message comes back as an alert in the form area, which screen readers announce.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) {
    return;
  }

  function replyTo(form, id, name) {
    var parent = form.querySelector("input[name='parent']");
    var replying = form.querySelector("[data-replying]");
    var cancel = form.querySelector("[data-cancel-reply]");
    parent.value = id || "";
    if (replying) {
      replying.hidden = !id;
      replying.querySelector("[data-replying-text]").textContent = id
        ? (replying.getAttribute("data-template") || "{name}").replace("{name}", name)
        : "";
    }
    if (cancel) {
      cancel.hidden = !id;
    }
  }

  function insert(discussion, comment) {
    var holder = document.createElement("div");
    holder.innerHTML = comment.html;
    var node = holder.firstElementChild;
    var list = comment.parent
      ? discussion.querySelector("[data-replies-for='" + comment.parent + "']")
      : discussion.querySelector("[data-comments]");
    if (!list || !node) {
      return;
    }
    if (comment.parent) {
      var item = document.createElement("li");
      item.appendChild(node);
      node = item;
    }
    list.appendChild(node);
  }

  document.querySelectorAll("[data-discussion]").forEach(function (discussion) {
    var area = discussion.querySelector("[data-comment-form-area]");

    discussion.addEventListener("click", function (event) {
      var link = event.target.closest("[data-reply-to]");
      var form = area.querySelector("[data-comment-form]");
      if (link && form) {
        event.preventDefault();
        replyTo(form, link.getAttribute("data-reply-to"), link.getAttribute("data-reply-name"));
        form.querySelector("textarea").focus();
      } else if (event.target.closest("[data-cancel-reply]") && form) {
        replyTo(form, "", "");
      }
    });

    window.sisterCity.postInPlace(area, "[data-comment-form]", function (answer) {
      area.innerHTML = answer.html;
      var fresh = area.querySelector("[data-comment-form]");
      var parent = fresh && fresh.querySelector("input[name='parent']");
      var cancel = fresh && fresh.querySelector("[data-cancel-reply]");
      if (parent && cancel) {
        cancel.hidden = !parent.value; // a reply with errors: still cancellable
      }
      if (answer.comment) {
        insert(discussion, answer.comment);
      }
      var target = area.querySelector(".notice, [aria-invalid='true']");
      if (target) {
        target.focus();
      }
    });
  });
})();

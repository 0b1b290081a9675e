// Click-to-load videos on campaign pages. The page links to the video on its own site and
// loads nothing from it; pressing the link replaces it with the player (YouTube's no-cookie
// domain or Vimeo with do-not-track), so a third party sees only visitors who press play.
(function () {
  "use strict";
  document.querySelectorAll("a.video-poster[data-embed-src]").forEach(function (poster) {
    poster.addEventListener("click", function (event) {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
        return; // opening the video in a new tab stays possible
      }
      event.preventDefault();
      var frame = document.createElement("iframe");
      frame.src = poster.dataset.embedSrc;
      frame.title = poster.dataset.embedTitle;
      frame.className = "video-frame";
      frame.width = "560";
      frame.height = "315";
      frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
      frame.allowFullscreen = true;
      frame.referrerPolicy = "strict-origin-when-cross-origin";
      poster.replaceWith(frame);
      frame.focus();
    });
  });
})();

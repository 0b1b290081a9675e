// The "call the Korean embassy" section of campaign pages. Without JavaScript its link opens
// the picker page. With it, the picker (defaulting to the browser language's country) is
// fetched into the section, and choosing a country updates it in place.
(function () {
  "use strict";
  var area = document.querySelector("[data-embassy-area]");
  var link = area && area.querySelector("[data-embassy-load]");
  if (!link || !window.fetch) {
    return;
  }

  function show(url) {
    url.searchParams.set("partial", "1");
    return fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("picker answered " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        area.innerHTML = html;
      });
  }

  area.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-embassy-form]")) {
      return;
    }
    event.preventDefault();
    var url = new URL(form.action, window.location.href);
    new FormData(form).forEach(function (value, name) {
      url.searchParams.set(name, value);
    });
    show(url).catch(function () {
      form.submit();
    });
  });

  // On failure the link stays: it opens the same picker as a page.
  show(new URL(link.href, window.location.href)).catch(function () {});
})();

// A chronicle export under way (templates/reader/chronicle_export.html): fetch this page again
// every few seconds and swap in its card, so the step and the progress bar move without a
// reload; once the card is no longer active (done or failed) the swapped card offers the download
// or the reason, and polling stops. No inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";
  var card = document.getElementById("export-job");
  if (!card || !window.fetch || !window.DOMParser) return;
  var seconds = parseInt(card.getAttribute("data-seconds"), 10) || 2;

  function ask() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("export-job");
        if (!fresh) throw new Error("no card");
        card.innerHTML = fresh.innerHTML;
        if (fresh.hasAttribute("data-active")) {
          window.setTimeout(ask, seconds * 1000);
        } else {
          card.removeAttribute("data-active");
        }
      })
      .catch(function () {
        window.setTimeout(ask, seconds * 2000);
      });
  }

  window.setTimeout(ask, seconds * 1000);
})();

// "PDF 正在生成" (templates/reader/pdf_pending.html): the background worker is making the PDF. Ask
// for it again every few seconds (HEAD: no body) and open it as soon as it is there (200 from the
// site, or a redirect to the object store's signed address). No inline script (the
// Content-Security-Policy forbids it); without script the page refreshes itself (noscript).
(function () {
  "use strict";
  var box = document.getElementById("pdf-pending");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-pdf-url");
  var seconds = parseInt(box.getAttribute("data-seconds"), 10) || 5;

  function ask() {
    fetch(url, { method: "HEAD", credentials: "same-origin", redirect: "manual", cache: "no-store" })
      .then(function (response) {
        if (response.ok || response.type === "opaqueredirect") {
          window.location.replace(url);
        } else {
          window.setTimeout(ask, seconds * 1000);
        }
      })
      .catch(function () {
        window.setTimeout(ask, seconds * 2000);
      });
  }

  window.setTimeout(ask, seconds * 1000);
})();

// 大字: the reader's larger text, chosen once and kept on every page (localStorage).
// Loaded in <head> without defer so the page is drawn at the chosen size from the start.
(function () {
  var KEY = "bulletin-text-size";
  var root = document.documentElement;
  function stored() {
    try { return localStorage.getItem(KEY) === "large"; } catch (e) { return false; }
  }
  function apply(large) {
    root.classList.toggle("large-text", large);
    var button = document.getElementById("text-size");
    if (button) {
      button.setAttribute("aria-pressed", large ? "true" : "false");
      button.textContent = large ? "标准字" : "大字";
    }
  }
  apply(stored());
  document.addEventListener("DOMContentLoaded", function () {
    apply(stored());
    var button = document.getElementById("text-size");
    if (!button) return;
    button.addEventListener("click", function () {
      var large = !root.classList.contains("large-text");
      try { localStorage.setItem(KEY, large ? "large" : "normal"); } catch (e) { /* private mode: this page only */ }
      apply(large);
    });
  });
})();

// The calendar page (/desk/calendar/): a click in the feed address selects all of it, ready to copy.
// (A file rather than an onclick attribute: the Content-Security-Policy allows no inline script.)
document.querySelectorAll("[data-select-on-click]").forEach((input) => {
  input.addEventListener("click", () => input.select());
});

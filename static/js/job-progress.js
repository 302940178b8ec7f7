// The progress page of a background job (templates/desk/job.html): while the job is queued or
// running, ask its JSON (data-state-url) every second and redraw the bar, the count and the step;
// when it has finished (done or failed) reload the page, which then shows the result link or the
// failure reason and 重试. No inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-state-url");
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var step = document.getElementById("job-step");
  var status = document.getElementById("job-status");
  var delay = 1000;

  function draw(state) {
    status.textContent = state.status_label;
    status.className = "status job-status-" + state.status;
    box.setAttribute("data-status", state.status);
    if (state.total) {
      bar.max = state.total;
      bar.value = state.done;
      count.textContent = state.done + " / " + state.total + (state.percent !== null ? "（" + state.percent + "%）" : "");
    }
    step.textContent = state.step;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        draw(state);
        if (state.active) {
          delay = 1000;
          window.setTimeout(poll, delay);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000); // the server is busy or restarting: ask less often
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();

// Poll the running training job and move its progress bar; reload the page when it ends.
(function () {
  "use strict";
  var panel = document.getElementById("job");
  if (!panel) { return; }
  var url = panel.getAttribute("data-status-url");
  function show(job) {
    document.getElementById("job-status").textContent = job.status;
    document.getElementById("job-stage").textContent = job.stage;
    document.getElementById("job-progress").value = job.percent;
    document.getElementById("job-percent").textContent = job.percent + "%";
    // The recent-jobs table shows the same job: it moves with the panel rather than keeping the page's first answer.
    var row = document.getElementById("job-row-status");
    if (row) {
      row.textContent = job.status + (job.status === "queued" || job.status === "running" ? " (" + job.percent + "%)" : "");
    }
    if (job.error) {
      var error = document.getElementById("job-error");
      error.textContent = job.error;
      error.hidden = false;
    }
  }
  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        show(job);
        if (job.status === "queued" || job.status === "running") {
          setTimeout(poll, 1000);
        } else {
          setTimeout(function () { window.location.reload(); }, 1500);
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();

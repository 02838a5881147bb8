/* The job page's progress bar, kept up to date while the harvest runs.
   Polls the job's report in the REST API every 2 seconds; when the job ends, reloads the
   report part of the page (final counts, record errors) and stops. Without JavaScript the
   page shows the job as it was when it loaded, with a link to refresh it. */
(function () {
  "use strict";
  var report = document.getElementById("job-report");
  if (!report || !report.hasAttribute("data-job-active")) return;
  var url = report.getAttribute("data-job-api");
  var INTERVAL_MS = 2000;
  var ACTIVE = { queued: true, running: true };
  var STATUS_LABELS = { queued: "Queued", running: "Running", finished: "Finished", failed: "Failed", cancelled: "Cancelled" };
  var number = new Intl.NumberFormat("en-GB");

  function part(name) {
    return report.querySelector("[data-job='" + name + "']");
  }

  // The same words as the page's job_progress filter: "page 3 of 10 · 300 of 1,000 records".
  function progressText(p) {
    var pages = "page " + number.format(p.pages_done) + (p.pages_total ? " of " + number.format(p.pages_total) : "");
    var records = number.format(p.records_done) + (p.records_total ? " of " + number.format(p.records_total) : "");
    return pages + " · " + records + " records";
  }

  function show(job) {
    var p = job.progress;
    var bar = part("bar");
    if (bar) {
      if (p.percent === null) {
        bar.removeAttribute("value"); // indeterminate: the source gives no totals
        bar.textContent = "";
      } else {
        bar.value = p.percent;
        bar.textContent = p.percent + "%";
      }
    }
    var text = part("progress");
    if (text) text.textContent = progressText(p);
    var status = part("status");
    if (status) {
      status.textContent = STATUS_LABELS[job.status] || job.status;
      status.className = "job-status job-status-" + job.status;
    }
    Object.keys(job.counts).forEach(function (name) {
      var cell = report.querySelector("[data-count='" + name + "']");
      if (cell) cell.textContent = number.format(job.counts[name]);
    });
  }

  // The job ended: swap in the page's report as the server renders it now.
  function reloadReport() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("job-report");
        if (fresh) {
          report.replaceWith(document.importNode(fresh, true));
          report = document.getElementById("job-report");
        }
      })
      .catch(function () { /* the refresh link still works */ });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) return setTimeout(poll, INTERVAL_MS);
        show(job);
        if (ACTIVE[job.status]) {
          setTimeout(poll, INTERVAL_MS);
        } else {
          reloadReport();
        }
      })
      .catch(function () { setTimeout(poll, INTERVAL_MS); });
  }

  var refresh = part("refresh");
  if (refresh) refresh.hidden = true;
  setTimeout(poll, INTERVAL_MS);
})();

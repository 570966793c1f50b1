// The import page shows the columns of the chosen KIND; a run's page follows its progress.
// Small and self-contained: no library, nothing from a CDN.
(function () {
  "use strict";

  var kind = document.getElementById("id_kind");
  if (kind) {
    var show = function () {
      document.querySelectorAll(".import-kind").forEach(function (section) {
        section.hidden = section.getAttribute("data-kind") !== kind.value;
      });
    };
    kind.addEventListener("change", show);
    show();
  }

  var box = document.getElementById("run-progress");
  if (!box) {
    return;
  }
  var bar = box.querySelector("progress");
  var phase = document.getElementById("run-phase");
  var done = document.getElementById("run-done");
  var status = document.getElementById("run-status");

  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (run) {
        if (run.finished) {
          window.location.reload(); // the page then shows the result and the report
          return;
        }
        bar.value = run.percent;
        bar.textContent = run.percent + "%";
        phase.textContent = run.phase_label;
        done.textContent = run.total ? run.done + " / " + run.total : "";
        status.textContent = run.status_label;
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000); // a network hiccup: try again, more slowly
      });
  }
  window.setTimeout(poll, 1000);
})();

// Bookings pages: confirm cancellations, and poll an import run's progress bar. The pages work
// without it. No dependencies.
(function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  var progress = document.getElementById("import-progress");
  if (progress) {
    var url = progress.getAttribute("data-url");
    var tick = function () {
      fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (run) {
        progress.max = Math.max(run.total, 1);
        progress.value = run.processed;
        ["status", "total", "processed", "accepted", "refused"].forEach(function (key) {
          var cell = document.getElementById("run-" + key);
          if (cell) { cell.textContent = run[key]; }
        });
        var list = document.getElementById("run-refusals");
        if (list) {
          list.innerHTML = "";
          run.refusals.forEach(function (r) {
            var li = document.createElement("li");
            li.textContent = "#" + r.row + ": " + r.reason;
            list.appendChild(li);
          });
        }
        if (run.status === "pending" || run.status === "running") { setTimeout(tick, 1000); }
      }).catch(function () { setTimeout(tick, 3000); });
    };
    tick();
  }
})();

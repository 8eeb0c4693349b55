// Batch printing page: poll the batch's progress and show it, then the PDF link or the Chinese error.
// The page works without this file: reloading it shows the progress too.
(function () {
  "use strict";
  var box = document.querySelector("[data-batch-progress]");
  if (!box) return;
  var url = box.getAttribute("data-batch-progress");
  var bar = box.querySelector("progress");
  var label = box.querySelector("[data-batch-label]");
  var error = box.querySelector("[data-batch-error]");
  var done = box.querySelector("[data-batch-done]");

  function show(p) {
    bar.max = Math.max(p.total, 1);
    bar.value = p.done;
    label.textContent = p.status_label + "：已排版 " + p.done + " / " + p.total + " 份";
    if (p.status === "done") {
      if (p.pdf_url) done.querySelector("a").href = p.pdf_url;
      done.hidden = false;
      return true;
    }
    if (p.status === "failed") {
      error.textContent = p.error || "批量打印失败";
      error.hidden = false;
      return true;
    }
    return false;
  }

  function poll(delay) {
    window.setTimeout(function () {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (p) { if (!show(p)) poll(1000); })
        .catch(function () { poll(5000); });
    }, delay);
  }

  poll(300);
})();

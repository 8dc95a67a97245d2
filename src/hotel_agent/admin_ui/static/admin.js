// Progressive enhancement only: every page works without this file.
// 1. Live preview: the editor's form is previewed as the operator types (the same POST as the Preview button).
// 2. Polling: a region with data-poll refreshes itself from the server every few seconds.
(function () {
  "use strict";

  function replaceFrom(html, ids) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    ids.forEach(function (id) {
      var fresh = doc.getElementById(id);
      var current = document.getElementById(id);
      if (fresh && current) { current.replaceWith(fresh); }
    });
  }

  var form = document.getElementById("editor-form");
  if (form && form.dataset.preview) {
    var timer = null;
    var inFlight = null;
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (inFlight) { inFlight.abort(); }
        inFlight = new AbortController();
        fetch(form.dataset.preview, {
          method: "POST", body: new FormData(form), credentials: "same-origin", signal: inFlight.signal,
          headers: { "X-Requested-With": "fetch" }
        }).then(function (response) { return response.text(); })
          .then(function (html) { replaceFrom(html, ["preview", "problems-slot"]); })
          .catch(function () { /* offline or aborted: the Preview button still works */ });
      }, 400);
    });
  }

  document.querySelectorAll("[data-poll]").forEach(function (region) {
    var seconds = parseInt(region.dataset.pollSeconds || "5", 10);
    setInterval(function () {
      fetch(region.dataset.poll, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) { replaceFrom(html, [region.id]); } })
        .catch(function () {});
    }, seconds * 1000);
  });
})();

// Mobile ticket: fetch the status part every few seconds and replace it when it changed.
// One timer at a time (setTimeout chain), so nothing piles up however long the page is open.
(function () {
  "use strict";
  var live = document.getElementById("ticket-live");
  if (!live || !window.fetch) {
    return;
  }
  var url = live.getAttribute("data-url");
  var seconds = parseInt(live.getAttribute("data-seconds"), 10) || 15;
  var toggle = document.getElementById("live-toggle");
  var timer = null;
  var paused = false;
  var busy = false;
  var last = live.innerHTML.trim();

  function schedule() {
    window.clearTimeout(timer);
    timer = paused ? null : window.setTimeout(refresh, seconds * 1000);
  }

  function refresh() {
    if (busy) {
      return;
    }
    busy = true;
    var controller = window.AbortController ? new AbortController() : null;
    var abort = controller ? window.setTimeout(function () { controller.abort(); }, 10000) : null;
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && html.trim() !== last) {
          last = html.trim();
          live.innerHTML = last; // our own server-rendered fragment
        }
      })
      .catch(function () {
        /* offline for a moment: try again next time */
      })
      .then(function () {
        window.clearTimeout(abort);
        busy = false;
        schedule();
      });
  }

  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      paused = !paused;
      toggle.textContent = toggle.getAttribute(paused ? "data-resume" : "data-pause");
      toggle.setAttribute("aria-pressed", paused ? "true" : "false");
      if (!paused) {
        refresh();
      } else {
        schedule();
      }
    });
    toggle.setAttribute("aria-pressed", "false");
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !paused) {
      refresh();
    }
  });
  schedule();
})();

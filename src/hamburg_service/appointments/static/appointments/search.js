// After a search the page opens at its results (#results); the heading takes the focus, so a
// screen reader reads on from there and a phone shows the times, not the list of services.
// After "load": the browser's own move to the fragment comes after the script has run.
(function () {
  "use strict";
  if (window.location.hash !== "#results") {
    return;
  }
  window.addEventListener("load", function () {
    var heading = document.getElementById("times-heading");
    if (heading) {
      heading.focus();
    }
  });
})();

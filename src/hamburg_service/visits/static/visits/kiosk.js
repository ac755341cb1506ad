// The printed ticket: a print button (only with JavaScript, where window.print exists).
(function () {
  "use strict";
  var button = document.getElementById("print-ticket");
  if (!button || typeof window.print !== "function") {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
})();

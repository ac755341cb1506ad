// The waitlist form lists only the locations that offer every chosen service: each location's
// list item names the services it offers (data-offers="slug slug …"). A location that does not
// fit is hidden and its box disabled, so it is not sent (ticked again when it fits again).
// Without this script every location is listed and the server says which do not fit.
(function () {
  "use strict";
  var form = document.querySelector("form[data-waitlist]");
  if (!form) {
    return;
  }
  var items = Array.prototype.slice.call(form.querySelectorAll("li[data-offers]"));
  var status = document.getElementById("locations-status");

  function chosen() {
    var boxes = form.querySelectorAll('input[name="services"]:checked');
    return Array.prototype.map.call(boxes, function (box) {
      return box.value;
    });
  }

  function update() {
    var wanted = chosen();
    var shown = 0;
    items.forEach(function (item) {
      var offers = item.getAttribute("data-offers").split(" ");
      var fits = wanted.every(function (slug) {
        return offers.indexOf(slug) !== -1;
      });
      item.hidden = !fits;
      item.querySelector("input").disabled = !fits;
      if (fits) {
        shown += 1;
      }
    });
    if (status) {
      if (!wanted.length) {
        status.textContent = "";
      } else if (shown) {
        status.textContent = status.getAttribute("data-some").replace("%(count)s", String(shown));
      } else {
        status.textContent = status.getAttribute("data-none");
      }
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "services") {
      update();
    }
  });
  update();
})();

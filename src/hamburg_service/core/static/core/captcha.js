// Proof-of-work for booking (ALTCHA protocol v1). Solves the challenge in the background as
// soon as the page opens; the form waits for it if the person is quicker.
(function () {
  "use strict";
  var field = document.querySelector("input[data-captcha-url]");
  if (!field || !window.crypto || !window.crypto.subtle) {
    return;
  }
  var form = field.form;
  var status = document.getElementById(field.getAttribute("aria-describedby") || "");
  var done = null;

  function say(key) {
    if (status) {
      status.textContent = status.getAttribute("data-" + key) || "";
    }
  }

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  async function solve() {
    var response = await fetch(field.getAttribute("data-captcha-url"), {
      credentials: "same-origin",
    });
    var c = await response.json();
    var encoder = new TextEncoder();
    for (var n = 0; n <= c.maxnumber; n++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(c.salt + n));
      if (hex(digest) === c.challenge) {
        field.value = btoa(
          JSON.stringify({
            algorithm: c.algorithm,
            challenge: c.challenge,
            number: n,
            salt: c.salt,
            signature: c.signature,
          })
        );
        say("done");
        return;
      }
    }
    say("failed");
  }

  say("working");
  done = solve().catch(function () {
    say("failed");
  });
  form.addEventListener("submit", function (event) {
    if (field.value) {
      return;
    }
    event.preventDefault();
    done.then(function () {
      if (field.value) {
        form.requestSubmit();
      }
    });
  });
})();

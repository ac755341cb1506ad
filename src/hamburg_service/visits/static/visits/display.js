// Call display: poll the calls feed every second (data-interval, in ms) and redraw the fixed
// table bodies when its version changes; announce new live calls (aria-live) and play a short
// chime (Web Audio API). Finished calls the feed still sends (`finished`, for
// CALL_DISPLAY_KEEP_MINUTES) go to the smaller "Earlier calls" table and are never announced.
// Runs for days: one setTimeout chain (never stacking), one AudioContext, and only the keys of
// the live rows on screen are remembered.
(function () {
  "use strict";
  var root = document.getElementById("call-display");
  if (!root || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-url");
  var say = root.getAttribute("data-say") || "%(number)s → %(counter)s";
  var body = document.getElementById("calls-body");
  var empty = document.getElementById("call-empty");
  var earlierSection = document.getElementById("earlier-calls");
  var earlierBody = document.getElementById("earlier-body");
  var announcer = document.getElementById("call-announcer");
  var offline = document.getElementById("display-offline");
  var soundButton = document.getElementById("sound-on");
  var version = root.getAttribute("data-version") || "";
  var INTERVAL = Number(root.getAttribute("data-interval")) || 1000;
  var MAX_BACKOFF = 15000;
  var failures = 0;
  var timer = null;
  var audio = null;
  var volume = null;
  var shown = keysOnScreen();

  function keysOnScreen() {
    var keys = new Set();
    body.querySelectorAll("tr[data-key]").forEach(function (row) {
      keys.add(row.getAttribute("data-key"));
    });
    return keys;
  }

  function keyOf(call) {
    var seconds = call.called_at ? Math.floor(Date.parse(call.called_at) / 1000) : "";
    // A recall (more calls) or a transfer (another counter) counts as a new call.
    return call.number + "|" + call.counter + "|" + seconds + "|" + call.calls;
  }

  function cell(className, text) {
    var td = document.createElement("td");
    td.className = className;
    td.textContent = text;
    return td;
  }

  function row(call) {
    var tr = document.createElement("tr");
    tr.appendChild(cell("call-number", call.number));
    tr.appendChild(cell("call-counter", call.counter));
    return tr;
  }

  function render(calls) {
    var rows = [];
    var earlier = [];
    var fresh = [];
    var keys = new Set();
    calls.forEach(function (call) {
      var tr = row(call);
      if (call.finished) {
        tr.className = "call earlier";
        earlier.push(tr);
        return;
      }
      var key = keyOf(call);
      tr.className = "call" + (rows.length === 0 ? " latest" : "");
      tr.setAttribute("data-key", key);
      if (!shown.has(key)) {
        tr.className += " fresh";
        fresh.push(call);
      }
      keys.add(key);
      rows.push(tr);
    });
    if (!rows.length && empty) {
      rows.push(empty.content.cloneNode(true));
    }
    body.replaceChildren.apply(body, rows);
    if (earlierBody && earlierSection) {
      earlierBody.replaceChildren.apply(earlierBody, earlier);
      earlierSection.hidden = !earlier.length;
    }
    shown = keys;
    if (fresh.length) {
      announce(fresh);
      chime();
    }
  }

  function announce(calls) {
    if (!announcer) {
      return;
    }
    // Oldest first, as they were called.
    announcer.textContent = calls
      .slice()
      .reverse()
      .map(function (call) {
        return say.replace("%(number)s", call.number).replace("%(counter)s", call.counter);
      })
      .join(" ");
  }

  function context() {
    var AudioCtor = window.AudioContext || window.webkitAudioContext;
    if (!audio && AudioCtor) {
      audio = new AudioCtor();
      // One gain node for every chime, made once: a chime adds only an oscillator, with no
      // listener, which the browser frees when it has played.
      volume = audio.createGain();
      volume.gain.value = 0.0001;
      volume.connect(audio.destination);
    }
    return audio;
  }

  function chime() {
    var ctx = context();
    if (!ctx || !volume) {
      return;
    }
    if (ctx.state !== "running") {
      // Until the browser lets it play (a press of the button, or a kiosk browser started
      // with --autoplay-policy=no-user-gesture-required), nothing is scheduled: a tone that
      // cannot play would wait in the context for ever.
      ctx.resume().catch(function () {});
      return;
    }
    var now = ctx.currentTime;
    var tone = ctx.createOscillator();
    tone.type = "sine";
    tone.frequency.setValueAtTime(880, now);
    tone.frequency.setValueAtTime(660, now + 0.15);
    volume.gain.cancelScheduledValues(now);
    volume.gain.setValueAtTime(0.0001, now);
    volume.gain.exponentialRampToValueAtTime(0.3, now + 0.02);
    volume.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
    tone.connect(volume);
    tone.start(now);
    tone.stop(now + 0.3);
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, delay);
  }

  function poll() {
    var controller = window.AbortController ? new AbortController() : null;
    var abort = controller ? window.setTimeout(function () { controller.abort(); }, 5000) : null;
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (offline) {
          offline.hidden = true;
        }
        if (data && data.version !== version && Array.isArray(data.calls)) {
          version = data.version;
          render(data.calls);
        }
      })
      .catch(function () {
        failures += 1;
        if (offline && failures > 2) {
          offline.hidden = false;
        }
      })
      .then(function () {
        window.clearTimeout(abort);
        var delay = failures ? Math.min(INTERVAL * Math.pow(2, failures), MAX_BACKOFF) : INTERVAL;
        schedule(delay);
      });
  }

  // The screen remembers that the chime was switched on (browsers still want one press after
  // a reload before they play sound; until then the button stays offered).
  var SOUND_KEY = "hamburg-service-display-sound";

  function soundOn(withChime) {
    var ctx = context();
    if (!ctx) {
      return;
    }
    ctx.resume().then(function () {
      if (withChime) {
        chime();  // now that the browser lets it play
      }
      soundButton.textContent = soundButton.getAttribute("data-on");
      soundButton.setAttribute("aria-pressed", "true");
      try {
        window.localStorage.setItem(SOUND_KEY, "on");
      } catch (error) {
        // private mode: nothing to remember
      }
    }).catch(function () {});
  }

  if (soundButton) {
    soundButton.hidden = false;
    soundButton.addEventListener("click", function () {
      soundOn(true);
    });
    var remembered = null;
    try {
      remembered = window.localStorage.getItem(SOUND_KEY);
    } catch (error) {
      remembered = null;
    }
    if (remembered === "on") {
      soundOn(false);
    }
  }
  schedule(INTERVAL);
})();

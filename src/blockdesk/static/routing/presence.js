/*
 * Presence by activity: while the console is open, a heartbeat frame goes out on the agent
 * socket (the first one, right after the socket is ready, is the "connect"); a closed
 * socket is the disconnect, seen by the server. The server answers with the presence, and
 * the dot in the top bar follows it. No inline script (CSP): loaded from the layout.
 */
(function () {
  "use strict";
  var EVERY_MS = 30000;
  var timer = null;

  function beat() {
    document.dispatchEvent(new CustomEvent("blockdesk:agent-socket-send", { detail: { type: "presence.heartbeat" } }));
  }

  document.addEventListener("blockdesk:agent-socket", function (e) {
    var ev = e.detail || {};
    if (ev.type === "ready") {
      beat();
      if (timer) { clearInterval(timer); }
      timer = setInterval(beat, EVERY_MS);
    } else if (ev.type === "presence" && typeof ev.presence === "string") {
      var dot = document.querySelector("[data-presence-dot]");
      var select = document.getElementById("presence-select");
      if (dot) { dot.className = "presence-dot presence-" + ev.presence; }
      if (select) { select.value = ev.presence; }
    }
  });
})();

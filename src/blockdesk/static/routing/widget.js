/*
 * The queue notice in the chat frame: while the open conversation waits for an agent, the
 * customer sees their place in line and an estimated wait. Polls the routing widget
 * endpoint with the visitor's token (no cookies) every 20 s while the frame is visible.
 * Text only (textContent), no inline styles or scripts: CSP-safe.
 */
import { el, makeApi, readJson } from "../widget/frame-lib.js";

var EVERY_MS = 20000;

export function createQueue(opts) {
  var C = readJson("bdw-routing");
  if (!C || !C.endpoint) { return; }
  var T = C.strings || {};
  var api = makeApi(C.endpoint, opts.token, opts.strings || {});
  var notice = el("p", "bdw-note bdw-queue");
  notice.setAttribute("role", "status");
  notice.hidden = true;
  var messages = document.getElementById("bdw-messages");
  if (messages && messages.parentNode) { messages.parentNode.insertBefore(notice, messages); }

  function show(data) {
    if (!data || !data.queued) { notice.hidden = true; return; }
    var text = data.wait_minutes ? T.place : T.place_no_estimate;
    notice.textContent = String(text || "")
      .replace("%(n)s", String(data.position))
      .replace("%(m)s", String(data.wait_minutes || ""));
    notice.hidden = false;
  }

  function poll() {
    var conv = opts.conv();
    if (conv === null || conv === undefined || document.hidden || !opts.token()) { notice.hidden = true; return; }
    api("GET", "?conversation_id=" + encodeURIComponent(String(conv))).then(show, function () { notice.hidden = true; });
  }

  setInterval(poll, EVERY_MS);
  document.addEventListener("visibilitychange", poll);
  setTimeout(poll, 1500);
}

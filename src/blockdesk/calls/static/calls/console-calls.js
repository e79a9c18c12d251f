/*
 * Calls in the agent console's conversation page. The console's script
 * (static/workspace/js/app.js) re-dispatches each agent-socket event as a
 * "blockdesk:agent-socket" DOM event and sends the frames we hand it in
 * "blockdesk:agent-socket-send". Recording: console-recorder.js.
 */
import {createCall, readStrings} from "./call-ui.js";
import {createRecorder} from "./console-recorder.js";

(function () {
  "use strict";
  var buttons = document.querySelector("[data-call-buttons][data-call-conversation]");
  if (!buttons || !window.RTCPeerConnection) { return; }
  var conversationId = parseInt(buttons.dataset.callConversation, 10);
  var root = buttons.closest(".bdc-console-wrap") || buttons.parentElement;
  var HEARTBEAT_MS = 20000;  // calls/presence.py HEARTBEAT
  var strings = readStrings(document);
  function send(frame) {
    document.dispatchEvent(new CustomEvent("blockdesk:agent-socket-send", {detail: frame}));
  }
  var call = null;
  var uploadUrl = buttons.dataset.recordingUrl || "";
  var recorder = createRecorder({
    strings: strings,
    maxBytes: parseInt(buttons.dataset.recordingMaxBytes, 10) || 0,
    uploadUrl: function (id) { return uploadUrl.replace("/0/", "/" + id + "/"); },
    notice: function (text) { if (call) { call.notice(text); } }
  });
  call = createCall({
    root: root,
    side: "agent",
    send: send,
    conversation: function () { return conversationId; },
    strings: strings,
    onConnected: recorder.start,
    onFinished: recorder.finish,
    onWithdrawn: recorder.discard
  });
  function beat() { send({type: "call.presence"}); }
  document.addEventListener("blockdesk:agent-socket", function (e) {
    var ev = e.detail;
    if (ev && ev.type === "ready") { beat(); }
    call.onEvent(ev);
  });
  beat();
  call.refresh(true);
  setInterval(beat, HEARTBEAT_MS);
})();

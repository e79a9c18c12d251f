/*
 * Calls in the chat widget: the frame (static/widget/frame.js) hands every socket event to
 * onEvent and gives us its socket's send and the conversation on screen.
 */
import {createCall, readStrings} from "./call-ui.js";

export function createCalls(opts) {
  var root = document.getElementById("bdw-chat-view") || document.body;
  if (!root.querySelector("[data-call-panel]") || !window.RTCPeerConnection) {
    return {onEvent: function () {}};
  }
  return createCall({
    root: root,
    side: "customer",
    send: opts.send,
    conversation: function () { var c = opts.conv(); return typeof c === "number" ? c : null; },
    strings: readStrings(document),
    // An agent calls about a case not on screen: show that case (the panel is in its view).
    onIncoming: function (ev) { if (opts.open) { opts.open(ev.conversation_id); } }
  });
}

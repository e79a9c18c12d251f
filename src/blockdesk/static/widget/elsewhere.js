/*
 * A case of the customer's on another channel (email, Telegram…), opened from the
 * conversation list: its public messages, read-only. It is answered on its own channel,
 * so this view has no composer; it says where to reply (docs/widget.md).
 */
import {el, makeFormatter} from "./frame-lib.js";

export function createElsewhere(opts) {
  var T = opts.strings;
  var fmt = makeFormatter(T);
  var view = document.getElementById("bdw-elsewhere-view");
  var caseEl = document.getElementById("bdw-elsewhere-case");
  var box = document.getElementById("bdw-elsewhere-messages");
  var note = document.getElementById("bdw-elsewhere-note");
  var token = 0;
  document.getElementById("bdw-elsewhere-back").addEventListener("click", function () {
    close();
    opts.onBack();
  });

  function close() {
    token++;
    view.hidden = true;
  }

  function open(c) {
    var mine = ++token;
    opts.hide();
    view.hidden = false;
    box.textContent = "";
    caseEl.textContent = fmt("conversation_n", {id: c.display_id});
    note.textContent = fmt("elsewhere_readonly", {channel: c.channel_label || c.channel || ""});
    function page(after) {
      return opts.authed("GET", "conversations/" + c.id + "/elsewhere?after_id=" + after).then(function (data) {
        if (mine !== token) { return null; }
        var last = after;
        data.messages.forEach(function (m) { box.appendChild(opts.messageEl(m)); last = Math.max(last, m.id); });
        return data.has_more ? page(last) : null;
      });
    }
    page(0).then(function () {
      box.scrollTop = box.scrollHeight;
    }).catch(function (err) {
      if (mine !== token) { return; }
      box.appendChild(el("p", "bdw-error", err.message));
    });
  }

  return {open: open, close: close};
}

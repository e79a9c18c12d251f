/*
 * "Continue this case on Telegram" in an open case (docs/widget.md).
 *
 * A channel whose `continue_on` option has a `case_endpoint` (a Telegram bot) continues
 * one case: a click POSTs {"conversation_id"} there with the visitor's bearer token (only
 * the visitor's own case gets a link) and opens the single-use deep link it answers,
 * e.g. https://t.me/<bot>?start=<token>. As in continue.js, the window is opened during
 * the click so popup blockers let it through, and the link is also shown to click.
 */
import {el, makeFormatter} from "./frame-lib.js";

export function createCaseContinue(opts) {
  var options = (opts.options || []).filter(function (o) {
    return o.case_endpoint && o.href && o.href.indexOf("https://") === 0;
  });
  var T = opts.strings;
  var fmt = makeFormatter(T);
  var box = document.getElementById("bdw-case-continue");
  var result = document.getElementById("bdw-case-continue-result");
  var buttons = document.getElementById("bdw-case-continue-buttons");
  var current = null;
  if (!box || !options.length) { return {update: function () { /* nothing offered */ }}; }

  function show(nodes) {
    result.textContent = "";
    nodes.forEach(function (n) { result.appendChild(n); });
    result.hidden = !nodes.length;
  }

  function start(option, button) {
    var conv = current;
    var win = window.open("about:blank", "_blank");
    button.disabled = true;
    show([]);
    opts.post(option.case_endpoint, {conversation_id: conv}).then(function (data) {
      var url = String(data.url || "");
      if (url.indexOf("https://") !== 0) { throw new Error(T.server_error); }
      if (win) {
        try { win.opener = null; win.location.href = url; } catch (e) { win = null; }
      }
      var a = el("a", "bdw-button bdw-case-continue-open", fmt("continue_open", {channel: option.label}));
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.setAttribute("data-kind", option.kind);
      var minutes = Math.max(1, Math.round((data.expires_in || 60) / 60));
      show([a, el("p", "bdw-muted", fmt("continue_case_link", {minutes: minutes}))]);
    }).catch(function (err) {
      if (win) { try { win.close(); } catch (e) { /* already gone */ } }
      show([el("p", "bdw-error", err.message)]);
    }).then(function () { button.disabled = false; });
  }

  options.forEach(function (option) {
    var button = el("button", "bdw-link bdw-case-continue-button", fmt("continue_case", {channel: option.label}));
    button.type = "button";
    button.setAttribute("data-kind", option.kind);
    button.addEventListener("click", function () { if (current !== null) { start(option, button); } });
    buttons.appendChild(button);
  });

  return {
    // Called with the open case (or null): shown for an open case of this widget only.
    update: function (conv) {
      var id = conv && conv.status !== "resolved" ? conv.id : null;
      if (id !== current) { show([]); }
      current = id;
      box.hidden = current === null;
    }
  };
}

/*
 * "Continue on Telegram / Discord" in the widget's conversation list (docs/widget.md).
 *
 * The frame's config lists the channels that redeem a link token (`continue_on`: kind,
 * label, an https `href` and/or a `command`, each holding "{token}"). A click asks the
 * widget API for a token (POST identity-link, the visitor's bearer token proves the
 * browser is this customer's) and then opens the link, or shows the command to copy.
 * The window is opened during the click, before the token arrives, so popup blockers let
 * it through; if it could not be opened, the link is shown to click.
 */
import {el, makeFormatter} from "./frame-lib.js";

export function createContinue(opts) {
  var options = opts.options || [];
  var T = opts.strings;
  var fmt = makeFormatter(T);
  var box = document.getElementById("bdw-continue");
  var buttons = document.getElementById("bdw-continue-buttons");
  var result = document.getElementById("bdw-continue-result");
  if (!box || !options.length) { return; }

  function show(nodes) {
    result.textContent = "";
    nodes.forEach(function (n) { result.appendChild(n); });
    result.hidden = !nodes.length;
  }
  function fill(template, token) {
    return template.split("{token}").join(encodeURIComponent(token));
  }

  function linkResult(option, url) {
    var a = el("a", "bdw-button bdw-continue-open", fmt("continue_open", {channel: option.label}));
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.setAttribute("data-kind", option.kind);
    return [a, el("p", "bdw-muted", fmt("continue_link", {minutes: opts.minutes}))];
  }

  function commandResult(option, command) {
    var code = el("code", "bdw-continue-command", command);
    var copy = el("button", "bdw-link", T.continue_copy);
    copy.type = "button";
    copy.addEventListener("click", function () {
      var done = function () { copy.textContent = T.continue_copied; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(command).then(done, function () { /* selectable anyway */ });
      }
    });
    var row = el("div", "bdw-row");
    row.appendChild(code);
    row.appendChild(copy);
    return [el("p", "", fmt("continue_command", {channel: option.label, minutes: opts.minutes})), row];
  }

  function start(option, button) {
    // Opened now, inside the click; pointed at the link once the token is here.
    var win = option.href ? window.open("about:blank", "_blank") : null;
    button.disabled = true;
    show([]);
    opts.authed("POST", "identity-link", {kind: option.kind}).then(function (data) {
      var nodes = [];
      if (option.href) {
        var url = fill(option.href, data.token);
        if (win) {
          try { win.opener = null; win.location.href = url; } catch (e) { win = null; }
        }
        nodes = nodes.concat(linkResult(option, url));
      }
      if (option.command) { nodes = nodes.concat(commandResult(option, option.command.split("{token}").join(data.token))); }
      show(nodes);
    }).catch(function (err) {
      if (win) { try { win.close(); } catch (e) { /* already gone */ } }
      show([el("p", "bdw-error", err.message)]);
    }).then(function () { button.disabled = false; });
  }

  options.forEach(function (option) {
    if (option.href && option.href.indexOf("https://") !== 0) { return; }
    var button = el("button", "bdw-link bdw-continue-button", fmt("continue_on", {channel: option.label}));
    button.type = "button";
    button.setAttribute("data-kind", option.kind);
    button.addEventListener("click", function () { start(option, button); });
    buttons.appendChild(button);
  });
  box.hidden = !buttons.children.length;
}

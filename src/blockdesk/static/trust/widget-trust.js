/*
 * Trust marks in the chat frame: a "Verified" badge on every message from our side
 * (agent, assistant, system; never the customer's own), with the customer's personal
 * anti-phishing code, and the small panel where they set it.
 *
 * Messages fetched over HTTP carry the code (`anti_phishing_code`); live ones do not,
 * so the last known code is kept here and fetched once when missing. Text only
 * (textContent): the code is the customer's own input.
 */
import { el, makeApi, makeFormatter, readJson } from "../widget/frame-lib.js";

export function createTrust(opts) {
  var C = readJson("bdw-trust");
  var inert = {decorate: function (node) { return node; }};
  if (!C || !C.endpoint) { return inert; }
  var T = C.strings || {};
  var fmt = makeFormatter(T);
  var api = makeApi(C.endpoint, opts.token, opts.strings || {});
  var state = {code: null, known: false, loading: null, forToken: null};
  function $(id) { return document.getElementById(id); }
  var els = {
    open: $("bdw-apc-open"), panel: $("bdw-apc"), form: $("bdw-apc-form"), input: $("bdw-apc-input"),
    clear: $("bdw-apc-clear"), close: $("bdw-apc-close"), status: $("bdw-apc-status")
  };

  function paint() {
    var nodes = document.querySelectorAll(".bdw-verified-code");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = state.code ? fmt("your_code", {code: state.code}) : "";
      nodes[i].hidden = !state.code;
    }
    if (els.clear) { els.clear.hidden = !state.code; }
  }
  function remember(code) {
    state.code = typeof code === "string" && code ? code : null;
    state.known = true;
    state.forToken = opts.token();
    paint();
  }
  function load(force) {
    var token = opts.token();
    if (!token) { return Promise.resolve(null); }
    if (!force && state.known && state.forToken === token) { return Promise.resolve(state.code); }
    if (!state.loading) {
      state.loading = api("GET", "").then(function (data) {
        state.loading = null;
        remember(data && data.code);
        return state.code;
      }, function () { state.loading = null; return null; });
    }
    return state.loading;
  }

  function decorate(node, m) {
    if (!m || m.mine || !m.verified || m.sender_type === "contact") { return node; }
    var kind = m.verified_as || m.sender_type;
    var badge = el("div", "bdw-verified");
    badge.appendChild(el("span", "bdw-verified-mark", T["verified_" + kind] || T.verified_agent));
    var code = el("span", "bdw-verified-code");
    code.hidden = true;
    badge.appendChild(code);
    node.insertBefore(badge, node.querySelector(".bdw-text"));
    if (Object.prototype.hasOwnProperty.call(m, "anti_phishing_code")) {
      remember(m.anti_phishing_code);
    } else if (!(state.known && state.forToken === opts.token())) {
      load().then(paint);  // a live message before any fetched one: ask once
    }
    if (state.code) { code.textContent = fmt("your_code", {code: state.code}); code.hidden = false; }
    return node;
  }

  function say(text, bad) {
    els.status.textContent = text || "";
    els.status.hidden = !text;
    els.status.classList.toggle("bdw-apc-bad", !!bad);
  }
  function toggle(show) {
    els.panel.hidden = !show;
    els.open.setAttribute("aria-expanded", show ? "true" : "false");
    if (show) {
      say("");
      // Always asked afresh: a wallet sign-in can move this browser to another contact.
      // Filled when the answer comes, unless the visitor has typed in the meantime.
      var before = els.input.value;
      load(true).then(function () {
        if (els.input.value === before) { els.input.value = state.code || ""; }
        els.input.focus();
      });
    } else {
      els.open.focus();
    }
  }
  if (els.open && els.panel && els.form) {
    els.open.hidden = false;
    els.open.addEventListener("click", function () { toggle(els.panel.hidden); });
    els.close.addEventListener("click", function () { toggle(false); });
    els.panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.stopPropagation(); toggle(false); }
    });
    els.form.addEventListener("submit", function (e) {
      e.preventDefault();
      var value = els.input.value.trim();
      if (value.length < C.min || value.length > C.max) {
        say(fmt("too_short", {min: C.min, max: C.max}), true);
        return;
      }
      opts.session().then(function () { return api("POST", "", {code: value}); }).then(function (data) {
        remember(data.code);
        els.input.value = data.code;
        say(T.saved, false);
      }, function (err) { say(err.message, true); });
    });
    els.clear.addEventListener("click", function () {
      api("DELETE", "").then(function () {
        remember(null);
        els.input.value = "";
        say(T.cleared, false);
      }, function (err) { say(err.message, true); });
    });
  }
  return {decorate: decorate, load: load};
}

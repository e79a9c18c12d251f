/*
 * The top-level sign-in page (/wallet/sign-in/?widget=<public token>).
 *
 * Whose sign-in is it? In order:
 *  1. the widget frame that opened this popup: it answers our "hello" with its visitor token
 *     (postMessage pinned to our own origin both ways, so only our pages take part);
 *  2. the token the widget keeps in this origin's localStorage (the help center and other
 *     pages of ours embed the widget first-party, so they share it);
 *  3. a new widget session, stored where the widget will find it.
 * After success the opener is told (and this window closes), or other tabs of this origin
 * are told through a localStorage key, and the page offers the way back (`next`).
 */
import {findProvider, makeWalletApi, shortAddress, signInWithWallet, walletErrorText} from "./siwe-client.js";

(function () {
  "use strict";
  function readJson(id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : {}; }
  var CFG = readJson("wsi-config");
  var T = readJson("wsi-strings");
  var $ = function (id) { return document.getElementById(id); };
  var els = {go: $("wsi-go"), status: $("wsi-status"), error: $("wsi-error"), done: $("wsi-done"), doneText: $("wsi-done-text"), next: $("wsi-next")};
  var ORIGIN = window.location.origin;
  var opener = window.opener && !window.opener.closed ? window.opener : null;
  var token = null;
  var provider = null;
  var api = makeWalletApi(CFG.api, function () { return token; }, T.failed.replace("%(reason)s", ""));

  function status(text) { els.status.textContent = text || ""; }
  function error(text) { els.error.textContent = text || ""; els.error.hidden = !text; }
  function storeGet(key) {
    try { return JSON.parse(window.localStorage.getItem(CFG.store_prefix + key) || "null"); } catch (e) { return null; }
  }
  function storeSet(key, value) {
    try { window.localStorage.setItem(CFG.store_prefix + key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }

  function tokenFromOpener() {
    if (!opener) { return Promise.resolve(null); }
    return new Promise(function (resolve) {
      function onMessage(e) {
        if (e.source !== opener || e.origin !== ORIGIN || !e.data || e.data.blockdesk_wallet !== 1) { return; }
        if (e.data.type === "visitor" && typeof e.data.token === "string") { finish(e.data.token); }
      }
      function finish(value) { window.removeEventListener("message", onMessage); resolve(value); }
      window.addEventListener("message", onMessage);
      try { opener.postMessage({blockdesk_wallet: 1, type: "hello"}, ORIGIN); } catch (e) { finish(null); return; }
      setTimeout(function () { finish(null); }, 1500);
    });
  }
  function newSession() {
    return window.fetch(CFG.session_api, {
      method: "POST", credentials: "omit", cache: "no-store",
      headers: {"Accept": "application/json", "Content-Type": "application/json"},
      body: JSON.stringify({locale: CFG.lang})
    }).then(function (res) {
      if (!res.ok) { throw new Error(T.session_failed); }
      return res.json();
    }).then(function (data) { storeSet("visitor", data.visitor_token); return data.visitor_token; });
  }
  function resolveToken() {
    return tokenFromOpener().then(function (fromOpener) {
      if (fromOpener) { return fromOpener; }
      opener = null;  // nobody answered: finish on this page
      var stored = storeGet("visitor");
      return typeof stored === "string" && stored ? stored : newSession();
    });
  }

  function done(result) {
    var key = result.moved ? "moved" : "success";
    els.doneText.textContent = T[key].replace("%(address)s", shortAddress(result.wallet.address));
    els.done.hidden = false;
    els.go.hidden = true;
    status("");
    if (opener && !opener.closed) {
      opener.postMessage({blockdesk_wallet: 1, type: "signed_in", result: result}, ORIGIN);
      els.doneText.textContent += " " + T.close_window;
      setTimeout(function () { window.close(); }, 1500);
      return;
    }
    storeSet("wallet-changed", Date.now());
    if (CFG.next) {
      els.next.href = CFG.next;
      els.next.hidden = false;
    } else {
      els.doneText.textContent += " " + T.close_window;
    }
  }

  els.go.addEventListener("click", function () {
    error("");
    els.go.disabled = true;
    var start = token ? Promise.resolve(token) : resolveToken().then(function (t) { token = t; return t; });
    start.then(function () {
      return signInWithWallet(provider, api, function (step) { status(T[step]); });
    }).then(done, function (err) {
      status("");
      if (err && err.status === 401) { token = null; }  // stale token: take a fresh one next time
      error(walletErrorText(err, T));
      els.go.disabled = false;
    });
  });

  findProvider(800).then(function (p) {
    provider = p;
    if (!p) { error(T.no_wallet); return; }
    els.go.disabled = false;
  });
})();

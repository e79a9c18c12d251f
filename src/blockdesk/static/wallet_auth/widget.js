/*
 * The chat frame's "Sign in with wallet" bar (markup: templates/wallet_auth/_widget_wallet.html).
 *
 * With a wallet inside the frame the whole flow runs here. Without one (some wallets only
 * reach top-level pages) the button opens /wallet/sign-in/ in a popup on our origin; that
 * page asks us for the visitor token over postMessage (same origin only), signs in itself
 * and reports back. Either way the visitor token stays the same: the server re-binds it to
 * the wallet's contact, so the frame only has to reconnect and reload (`rebound`).
 */
import {findProvider, makeWalletApi, shortAddress, signInWithWallet, walletErrorText} from "./siwe-client.js";

export function mountWallet(opts) {
  var root = document.getElementById("bdw-wallet");
  var stringsNode = document.getElementById("bdw-wallet-strings");
  if (!root || !stringsNode) { return {refresh: function () {}}; }
  var T = JSON.parse(stringsNode.textContent);
  var $ = function (id) { return document.getElementById(id); };
  var els = {
    signin: $("bdw-wallet-signin"), status: $("bdw-wallet-status"), address: $("bdw-wallet-address"),
    signout: $("bdw-wallet-signout"), msg: $("bdw-wallet-msg")
  };
  var api = makeWalletApi(root.getAttribute("data-api"), opts.getVisitor, T.failed.replace("%(reason)s", ""));
  var provider = null;
  var popup = null;
  var busy = false;

  function say(text) { els.msg.textContent = text || ""; els.msg.hidden = !text; }
  function render(wallet) {
    root.hidden = false;
    els.signin.hidden = !!wallet;
    els.status.hidden = !wallet;
    els.signout.hidden = !wallet;
    els.address.textContent = wallet ? shortAddress(wallet.address) : "";
    els.status.title = wallet ? T.signed_in_as.replace("%(address)s", wallet.address) : "";
  }
  function refresh() {
    if (!opts.getVisitor()) { render(null); return Promise.resolve(null); }
    return api("GET", "status").then(function (data) { render(data.wallet); return data.wallet; }, function () { render(null); return null; });
  }
  function succeeded(data) {
    render(data.wallet);
    var key = data.moved ? "moved" : "success";
    say(T[key].replace("%(address)s", shortAddress(data.wallet.address)));
    opts.rebound(null);
  }
  function setBusy(on) { busy = on; els.signin.disabled = on; els.signout.disabled = on; }

  function inFrame() {
    setBusy(true);
    opts.ensureSession().then(function () {
      return signInWithWallet(provider, api, function (step) {
        say(step === "check_wallet" ? T.check_wallet + " " + T.explanation : T[step]);
      });
    }).then(succeeded, function (err) { say(walletErrorText(err, T)); }).then(function () { setBusy(false); });
  }
  function viaPopup() {
    var url = root.getAttribute("data-sign-in-url") + "&lang=" + encodeURIComponent(opts.lang || "");
    popup = window.open(url, "blockdesk-wallet-sign-in", "popup,width=440,height=640");
    if (!popup) { say(T.popup_blocked); return; }
    say(T.continue_in_window);
  }
  window.addEventListener("message", function (e) {
    if (!popup || e.source !== popup || e.origin !== window.location.origin) { return; }
    var data = e.data;
    if (!data || data.blockdesk_wallet !== 1) { return; }
    if (data.type === "hello") {
      // Same-origin page of ours: it may act for this visitor (targetOrigin pins the origin).
      opts.ensureSession().then(function (token) {
        popup.postMessage({blockdesk_wallet: 1, type: "visitor", token: token}, window.location.origin);
      }, function () { say(T.session_failed); });
    } else if (data.type === "signed_in" && data.result) {
      succeeded(data.result);
      popup = null;
    }
  });
  // A sign-in or sign-out on the top-level page of another tab (help center) of this origin.
  window.addEventListener("storage", function (e) {
    if (e.key !== opts.storePrefix + "wallet-changed") { return; }
    var token = null;
    try { token = JSON.parse(window.localStorage.getItem(opts.storePrefix + "visitor") || "null"); } catch (x) { token = null; }
    opts.rebound(typeof token === "string" ? token : null);
    refresh();
  });

  els.signin.addEventListener("click", function () {
    if (busy) { return; }
    say("");
    if (provider) { inFrame(); } else { viaPopup(); }
  });
  els.signout.addEventListener("click", function () {
    if (busy) { return; }
    setBusy(true);
    api("POST", "sign-out").then(function (data) {
      render(null);
      say(T.signed_out);
      opts.rebound(data.visitor_token);
    }, function (err) { say(walletErrorText(err, T)); }).then(function () { setBusy(false); });
  });

  findProvider(400).then(function (p) { provider = p; });
  render(null);
  refresh();
  return {refresh: refresh};
}

/*
 * Sign-In with Ethereum in the browser: an EIP-1193 wallet plus the Blockdesk wallet API.
 *
 * The server builds the EIP-4361 message (domain, nonce, times); the browser only asks the
 * wallet for an address and chain id, has the wallet sign the exact text it got back, and
 * returns text + signature. Nothing is parsed or trusted here.
 */

/* An injected wallet: window.ethereum (EIP-1193), or the first one announced through
   EIP-6963 (wallets that no longer claim window.ethereum). Resolves to null after `waitMs`. */
export function findProvider(waitMs) {
  if (window.ethereum && typeof window.ethereum.request === "function") {
    return Promise.resolve(window.ethereum);
  }
  return new Promise(function (resolve) {
    var done = false;
    function onAnnounce(e) {
      var p = e.detail && e.detail.provider;
      if (!done && p && typeof p.request === "function") { done = true; cleanup(); resolve(p); }
    }
    function cleanup() { window.removeEventListener("eip6963:announceProvider", onAnnounce); }
    window.addEventListener("eip6963:announceProvider", onAnnounce);
    window.dispatchEvent(new Event("eip6963:requestProvider"));
    setTimeout(function () { if (!done) { done = true; cleanup(); resolve(null); } }, waitMs || 400);
  });
}

/* JSON calls to /wallet/api/<widget>/ with the visitor's bearer token. Rejects with an Error
   carrying `status` (0 for network failures) and the server's error `code`. */
export function makeWalletApi(base, getToken, networkError) {
  return function api(method, path, body) {
    var headers = {"Accept": "application/json"};
    var token = getToken();
    if (token) { headers.Authorization = "Bearer " + token; }
    var opts = {method: method, headers: headers, credentials: "omit", cache: "no-store"};
    if (body !== undefined) { headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return window.fetch(base + path, opts).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (res.ok) { return data; }
        var info = (data && data.error) || {};
        var err = new Error(info.message || networkError);
        err.status = res.status;
        err.code = info.code || "";
        throw err;
      });
    }, function () {
      var err = new Error(networkError);
      err.status = 0;
      throw err;
    });
  };
}

function utf8Hex(text) {
  var bytes = new TextEncoder().encode(text);
  var out = "0x";
  for (var i = 0; i < bytes.length; i++) { out += (bytes[i] + 0x100).toString(16).slice(1); }
  return out;
}

/* Maps wallet (EIP-1193) errors to our strings: 4001 = the user said no, -32002 = a request
   is already open in the wallet. Server errors keep their translated message. */
export function walletErrorText(err, T) {
  var code = err && (err.code !== undefined ? err.code : (err.data && err.data.code));
  if (code === 4001 || code === "ACTION_REJECTED") { return T.rejected; }
  if (code === -32002) { return T.wallet_busy; }
  if (err && typeof err.status === "number") { return err.message; }
  return T.failed.replace("%(reason)s", (err && err.message) || "");
}

/* The whole flow. `step(name)` is told "connecting", "check_wallet", "verifying". */
export function signInWithWallet(provider, api, step) {
  var address = null;
  step("connecting");
  return provider.request({method: "eth_requestAccounts"}).then(function (accounts) {
    if (!accounts || !accounts.length) { var e = new Error(""); e.code = 4001; throw e; }
    address = String(accounts[0]);
    return provider.request({method: "eth_chainId"});
  }).then(function (chainId) {
    return api("POST", "challenge", {address: address, chain_id: String(chainId)});
  }).then(function (challenge) {
    step("check_wallet");
    // personal_sign takes the UTF-8 bytes as hex and the signing address (EIP-1193 order).
    return provider.request({method: "personal_sign", params: [utf8Hex(challenge.message), address]}).then(function (signature) {
      step("verifying");
      return api("POST", "verify", {message: challenge.message, signature: signature});
    });
  });
}

export function shortAddress(address) {
  return address ? address.slice(0, 6) + "\u2026" + address.slice(-4) : "";
}

/* Sign-In with Ethereum on the customer sign-in page: the widget's SIWE client
   (wallet_auth/siwe-client.js) with this page's two endpoints and the CSRF cookie. */
import {findProvider, signInWithWallet, walletErrorText} from "../wallet_auth/siwe-client.js";

var root = document.getElementById("customer-wallet");
var button = root && root.querySelector("[data-wallet-sign-in]");
var status = root && root.querySelector("[data-wallet-status]");

function csrf() { return root.dataset.csrf || ""; }

function api(method, path, body) {
  var url = path === "challenge" ? root.dataset.challenge : root.dataset.verify;
  return window.fetch(url, {
    method: method,
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf()},
    body: JSON.stringify(body)
  }).then(function (res) {
    return res.json().catch(function () { return null; }).then(function (data) {
      if (res.ok) { return data; }
      var err = new Error((data && data.error && data.error.message) || res.statusText);
      err.status = res.status;
      throw err;
    });
  });
}

if (root && button) {
  findProvider(400).then(function (provider) {
    if (!provider) { status.textContent = root.dataset.noWallet; return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      signInWithWallet(provider, api, function () { status.textContent = "…"; }).then(function (data) {
        window.location.assign(data.redirect);
      }, function (err) {
        button.disabled = false;
        status.textContent = walletErrorText(err, {
          rejected: root.dataset.rejected, wallet_busy: root.dataset.busy, failed: root.dataset.failed
        });
      });
    });
  });
}

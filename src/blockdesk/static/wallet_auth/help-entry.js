/* Help center: reveal "Sign in with wallet" only when this browser has an injected wallet. */
import {findProvider} from "./siwe-client.js";

findProvider(800).then(function (provider) {
  if (!provider) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("[data-wallet-signin]"), function (node) {
    node.hidden = false;
  });
});

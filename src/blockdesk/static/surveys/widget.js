/*
 * The rating card in the chat frame: under a survey message (a system message whose public
 * metadata has `csat: {offer_id, scale}`), the scale's buttons (1–5, faces or thumbs), an
 * optional comment and Send. Posted to the surveys widget endpoint with the visitor's token
 * (no cookies); the answer is single: a second one is refused (409) and the card says so.
 * Text only (textContent), no innerHTML, no inline styles: CSP-safe.
 */
import { el, makeApi, readJson } from "../widget/frame-lib.js";

export function createSurveys(opts) {
  var C = readJson("bdw-surveys");
  var inert = {decorate: function (node) { return node; }};
  if (!C || !C.endpoint) { return inert; }
  var T = C.strings || {};
  var api = makeApi(C.endpoint, opts.token, opts.strings || {});

  function done(card, text) {
    while (card.firstChild) { card.removeChild(card.firstChild); }
    card.appendChild(el("p", "bdw-csat-done", text));
  }

  function cardEl(offer) {
    var card = el("div", "bdw-csat");
    card.setAttribute("data-offer", String(offer.offer_id));
    card.appendChild(el("p", "bdw-csat-title", T.title || ""));
    var group = el("div", "bdw-csat-scale");
    group.setAttribute("role", "radiogroup");
    group.setAttribute("aria-label", T.title || "");
    var chosen = {score: 0};
    var choices = (C.scales || {})[offer.scale] || (C.scales || {}).five || [];
    choices.forEach(function (c) {
      var b = el("button", "bdw-csat-choice", String(c.label));
      b.type = "button";
      b.setAttribute("role", "radio");
      b.setAttribute("aria-checked", "false");
      b.setAttribute("aria-label", String(c.score) + "/5");
      b.addEventListener("click", function () {
        chosen.score = c.score;
        var all = group.querySelectorAll("button");
        for (var i = 0; i < all.length; i++) { all[i].setAttribute("aria-checked", all[i] === b ? "true" : "false"); }
        send.disabled = false;
      });
      group.appendChild(b);
    });
    card.appendChild(group);
    var comment = el("textarea", "bdw-csat-comment");
    comment.rows = 2;
    comment.maxLength = 2000;
    comment.placeholder = T.comment || "";
    comment.setAttribute("aria-label", T.comment || "");
    card.appendChild(comment);
    var status = el("p", "bdw-quick-error");
    status.hidden = true;
    var send = el("button", "bdw-button bdw-csat-send", T.send || "");
    send.type = "button";
    send.disabled = true;
    send.addEventListener("click", function () {
      if (!chosen.score) { return; }
      send.disabled = true;
      status.hidden = true;
      opts.session().then(function () {
        return api("POST", "", {offer_id: offer.offer_id, score: chosen.score, comment: comment.value});
      }).then(function () { done(card, T.thanks || ""); }, function (err) {
        if (err && err.status === 409) { done(card, T.already || ""); return; }
        send.disabled = false;
        status.textContent = (err && err.message) || T.failed || "";
        status.hidden = false;
      });
    });
    card.appendChild(send);
    card.appendChild(status);
    return card;
  }

  function decorate(node, m) {
    var offer = m && m.metadata && m.metadata.csat;
    if (!offer || typeof offer.offer_id !== "number" || m.sender_type !== "system") { return node; }
    // The card asks the question itself: the text (with the rating page's long link, for
    // channels without a card) is left out here.
    var text = node.querySelector(".bdw-text");
    if (text) { text.hidden = true; }
    node.insertBefore(cardEl(offer), node.querySelector(".bdw-meta"));
    return node;
  }
  return {decorate: decorate};
}

/*
 * The assistant in the chat frame: under an assistant message, the article it answered
 * from (a link) and its quick replies ("Yes, solved", "No, I need more help", the
 * options of a clarifying question). A press is posted to the assistant's widget
 * endpoint, which stores it as the customer's message; it then arrives over the socket
 * like any other. Only the newest message's buttons stay: anything the customer says
 * later makes older questions moot. Text only (textContent), links only http(s).
 *
 * The reply is written by the task worker, another process: without a shared channel
 * layer (embedded mode, no Redis) its live push never reaches this socket, so after the
 * customer writes to a case the assistant handles, the frame catches up until the
 * assistant's message has arrived: often at first (0.7 s … 12 s), then every 20–30 s for
 * about three minutes in all, since a busy or cold worker (loading its model, a queue of
 * other tasks ahead) can take well over the first half minute.
 *
 * Answers are Markdown (steps, nested lists, tables, code): the server sends them also
 * as sanitised HTML (`content_html`, kb.markdown.render_chat_markdown). That HTML is
 * parsed into an inert document (DOMParser: nothing in it runs or loads) and copied node
 * by node through an allow-list of tags; text is copied as text, links keep http(s)
 * URLs only. No innerHTML on the page, no inline styles: CSP-safe.
 */
import { appendText, el, makeApi, readJson } from "../widget/frame-lib.js";

export function createAssistant(opts) {
  var C = readJson("bdw-assistant");
  var inert = {decorate: function (node) { return node; }, sent: function () {}};
  if (!C || !C.endpoint) { return inert; }
  var T = C.strings || {};
  var api = makeApi(C.endpoint, opts.token, opts.strings || {});

  var DELAYS = [700, 1500, 3000, 5000, 8000, 12000, 20000, 30000, 30000, 30000, 30000, 30000];
  var waiting = {after: 0, step: 0, timer: null};
  function expectReply(afterId) {
    waiting.after = Math.max(waiting.after, afterId || 0);
    waiting.step = 0;
    if (waiting.timer) { clearTimeout(waiting.timer); }
    function tick() {
      waiting.timer = null;
      if (!waiting.after || !opts.catchUp) { return; }
      Promise.resolve(opts.catchUp()).then(function () {
        if (waiting.after && waiting.step < DELAYS.length) {
          waiting.timer = setTimeout(tick, DELAYS[waiting.step++]);
        }
      });
    }
    waiting.timer = setTimeout(tick, DELAYS[waiting.step++]);
  }
  function sent(conversation, message) {
    if (conversation && conversation.status === "pending" && message && message.id) {
      expectReply(message.id);
    }
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }
  function dropOlderReplies(id) {
    var groups = document.querySelectorAll(".bdw-quick");
    for (var i = 0; i < groups.length; i++) {
      var owner = parseInt(groups[i].getAttribute("data-for") || "0", 10);
      if (owner < id) { groups[i].parentNode.removeChild(groups[i]); }
    }
  }
  function articleEl(article) {
    var url = safeUrl(article && article.url);
    if (!url) { return null; }
    var box = el("div", "bdw-article");
    box.appendChild(el("span", "bdw-article-label", T.article || ""));
    var link = el("a", "bdw-article-link", article.title || url);
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    box.appendChild(link);
    return box;
  }
  function quickEl(m, replies) {
    var group = el("div", "bdw-quick");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", T.choose || "");
    group.setAttribute("data-for", String(m.id));
    var status = el("p", "bdw-quick-error");
    status.hidden = true;
    replies.forEach(function (reply) {
      var button = el("button", "bdw-quick-button", String(reply.label || ""));
      button.type = "button";
      button.setAttribute("data-choice", String(reply.id || ""));
      button.addEventListener("click", function () {
        var buttons = group.querySelectorAll("button");
        for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
        button.classList.add("bdw-quick-chosen");
        status.hidden = true;
        opts.session().then(function () {
          return api("POST", "", {message_id: m.id, choice: reply.id});
        }).then(function (data) {
          if (group.parentNode) { group.parentNode.removeChild(group); }
          expectReply(data && data.message && data.message.id);
        }, function (err) {
          for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = false; }
          button.classList.remove("bdw-quick-chosen");
          status.textContent = (err && err.message) || T.failed || "";
          status.hidden = false;
        });
      });
      group.appendChild(button);
    });
    group.appendChild(status);
    return group;
  }

  var RICH_TAGS = {
    P: 1, UL: 1, OL: 1, LI: 1, TABLE: 1, THEAD: 1, TBODY: 1, TR: 1, TH: 1, TD: 1, PRE: 1,
    CODE: 1, STRONG: 1, EM: 1, B: 1, I: 1, S: 1, DEL: 1, BR: 1, HR: 1, BLOCKQUOTE: 1, A: 1,
    H1: 1, H2: 1, H3: 1, H4: 1, H5: 1, H6: 1
  };
  // Bare URLs in text become links as in plain messages (appendText), except inside a
  // link or code.
  function copySafe(from, to, literal) {
    for (var n = from.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3) {
        if (literal) { to.appendChild(document.createTextNode(n.nodeValue)); } else { appendText(to, n.nodeValue); }
        continue;
      }
      if (n.nodeType !== 1) { continue; }
      var tag = n.tagName;
      if (!RICH_TAGS[tag]) { copySafe(n, to, literal); continue; }  // unknown element: its text only
      var out = document.createElement(tag.toLowerCase());
      var align = n.getAttribute("align") || "";
      var start = n.getAttribute("start") || "";
      if (tag === "A") {
        var url = safeUrl(n.getAttribute("href"));
        if (url) { out.href = url; out.target = "_blank"; out.rel = "noopener noreferrer nofollow"; }
      } else if ((tag === "TH" || tag === "TD") && /^(left|right|center)$/.test(align)) {
        out.setAttribute("align", align);
      } else if (tag === "OL" && /^[0-9]{1,9}$/.test(start)) {
        out.setAttribute("start", start);
      }
      copySafe(n, out, literal || tag === "A" || tag === "CODE" || tag === "PRE");
      to.appendChild(out);
    }
  }
  function renderAnswer(node, html) {
    var text = node.querySelector(".bdw-text");
    if (!text || typeof html !== "string" || !html || typeof DOMParser === "undefined") { return; }
    var doc = new DOMParser().parseFromString(html, "text/html");
    var box = document.createDocumentFragment();
    copySafe(doc.body, box, false);
    text.textContent = "";
    text.classList.add("bdw-rich");
    text.appendChild(box);
  }

  function decorate(node, m) {
    if (!m || !m.id) { return node; }
    if (m.mine) { dropOlderReplies(m.id); return node; }
    if (m.sender_type !== "assistant") { dropOlderReplies(m.id); return node; }
    if (m.id > waiting.after) { waiting.after = 0; }  // the reply is here: stop catching up
    renderAnswer(node, m.content_html);
    var meta = m.metadata || {};
    var article = articleEl(meta.article);
    var anchor = node.querySelector(".bdw-meta");
    if (article) { node.insertBefore(article, anchor); }
    var replies = Array.isArray(meta.quick_replies) ? meta.quick_replies : [];
    dropOlderReplies(m.id);
    if (replies.length && !opts.isClosed(m.conversation_id)) {
      node.insertBefore(quickEl(m, replies), anchor);
    }
    return node;
  }
  return {decorate: decorate, sent: sent};
}

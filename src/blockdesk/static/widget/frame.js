/*
 * Blockdesk chat widget (runs inside the frame served from /widget/frame/<token>/).
 *
 * Reliability rules: messages are sent over HTTP with a client idempotency key and kept
 * in a localStorage outbox until the server has them, so a flaky connection or a reload
 * never loses or doubles one. Live updates come over the WebSocket; after every
 * (re)connect the widget fetches what it missed since the last message id it saw.
 * All user content is put in the DOM as text (textContent), never as HTML.
 */
import {
  appendText, codePoints, createStore, el, makeApi, makeFormatter, makeTimeText, messageEl as buildMessage, readJson, uuid
} from "./frame-lib.js";
import {createTrust} from "../trust/widget-trust.js";
import {createAssistant} from "../assistant/widget.js";
import {mountWallet} from "../wallet_auth/widget.js";
import {createRecord} from "../records/widget-record.js";
import {createCalls} from "../calls/widget-calls.js";
import {createSurveys} from "../surveys/widget.js";
import {createQueue} from "../routing/widget.js";
import {createContinue} from "./continue.js";
import {createElsewhere} from "./elsewhere.js";
import {createCaseContinue} from "./continue-case.js";

(function () {
  "use strict";

  var CFG = readJson("bdw-config");
  var T = readJson("bdw-strings");
  var framed = window.parent !== window;
  var LANGS = ["en", "zh-hans"];
  var store = createStore("blockdesk:" + CFG.token + ":");
  var fmt = makeFormatter(T);
  var timeText = makeTimeText(CFG.lang === "zh-hans" ? "zh-CN" : "en");
  function $(id) { return document.getElementById(id); }
  function noop() {}

  var els = {
    conn: $("bdw-conn"), listView: $("bdw-list-view"), chatView: $("bdw-chat-view"),
    list: $("bdw-list"), listEmpty: $("bdw-list-empty"), newBtn: $("bdw-new"), back: $("bdw-back"),
    caseEl: $("bdw-case"), tlToggle: $("bdw-timeline-toggle"), timeline: $("bdw-timeline"), record: $("bdw-record"),
    messages: $("bdw-messages"), resolved: $("bdw-resolved"), typing: $("bdw-typing"), error: $("bdw-error"),
    followup: $("bdw-followup"), followupEmail: $("bdw-followup-email"), followupCancel: $("bdw-followup-cancel"),
    followupDone: $("bdw-followup-done"), followupOpen: $("bdw-followup-open"), composer: $("bdw-composer"),
    files: $("bdw-files"), input: $("bdw-input"), file: $("bdw-file"), count: $("bdw-count"),
    lang: $("bdw-lang"), close: $("bdw-close")
  };

  // --- state ----------------------------------------------------------------------
  var S = {
    visitor: store.get("visitor", null),
    conv: store.get("conv", null),        // id of the conversation on screen, or null
    draft: store.get("draft", null),      // a new conversation not created yet
    lastId: store.get("last", 0),         // newest message id known to be caught up to
    convs: {}, order: [], elsewhere: [], timeline: [], rendered: {}, unreadConvs: {}, seen: {},
    opened: !framed, visible: !framed, started: false, unread: 0,
    ws: null, wsReady: false, wsTimer: null, backoff: 1000, pingTimer: null, pongTimer: null,
    uploads: [], files: [], inflight: null, deferred: [], retryTimer: null, retryAt: 0,
    sendBackoff: 0, catching: null, catchAgain: false, viewToken: 0,
    typingOn: false, typingSentAt: 0, typingStop: null, typingHide: null, readSent: {}
  };

  function notifyParent(type, extra) {
    if (!framed) { return; }
    var msg = {blockdesk: 1, type: type};
    Object.keys(extra || {}).forEach(function (k) { msg[k] = extra[k]; });
    window.parent.postMessage(msg, CFG.parent_origin || "*");
  }
  function setLast(id) {
    if (id > S.lastId) { S.lastId = id; store.set("last", id); }
  }
  function setConn(text) {
    els.conn.textContent = text || "";
    els.conn.hidden = !text;
  }
  function showError(text) {
    els.error.textContent = text;
    els.error.hidden = !text;
  }

  // --- HTTP -----------------------------------------------------------------------
  var api = makeApi(CFG.api, function () { return S.visitor; }, T);
  // Verified badges + anti-phishing code (static/trust/widget-trust.js).
  var trust = createTrust({token: function () { return S.visitor; }, session: ensureSession, strings: T});
  // The case's service record, shown with the timeline (static/records/widget-record.js).
  var record = createRecord({api: function (m, p) { return authed(m, p); }, strings: T, timeText: timeText, box: els.record});
  // Assistant article links and quick-reply buttons (static/assistant/widget.js).
  var assistant = createAssistant({
    token: function () { return S.visitor; }, session: ensureSession, strings: T,
    isClosed: function (id) { var c = S.convs[id]; return !!(c && c.status === "resolved"); },
    catchUp: function () { return catchUp(); }
  });

  // Voice and video calls with the assigned agent, signalled over this socket (static/calls/).
  var calls = createCalls({
    send: function (frame) { sendWs(frame); }, conv: function () { return S.conv; },
    open: function (id) { if (S.conv !== id) { openConversation(id); } else { showChat(); } }
  });
  // The rating card under a satisfaction survey (static/surveys/widget.js).
  var surveys = createSurveys({token: function () { return S.visitor; }, session: ensureSession, strings: T});
  // The queue notice: place in line and estimated wait (static/routing/widget.js).
  createQueue({token: function () { return S.visitor; }, conv: function () { return S.conv; }, strings: T});
  // "Continue on Telegram / Discord" (continue.js) and the customer's cases on other
  // channels, opened read-only from the list (elsewhere.js).
  createContinue({options: CFG.continue_on, minutes: CFG.link_minutes, strings: T, authed: function (m, p, b) { return authed(m, p, b); }});
  // "Continue this case on Telegram" in an open case (continue-case.js): its endpoint is
  // outside the widget API's base, with the same bearer token.
  var caseApi = makeApi("", function () { return S.visitor; }, T);
  var caseContinue = createCaseContinue({options: CFG.continue_on, strings: T, post: function (path, body) {
    return ensureSession().then(function () { return caseApi("POST", path, body); });
  }});
  var elsewhere = createElsewhere({
    strings: T, authed: function (m, p) { return authed(m, p); },
    messageEl: function (m) { return buildMessage(m, T, timeText); },
    hide: function () { els.listView.hidden = true; els.chatView.hidden = true; },
    onBack: function () { showList(); }
  });

  var sessionPromise = null;
  function ensureSession() {
    if (S.visitor) { return Promise.resolve(S.visitor); }
    if (!sessionPromise) {
      sessionPromise = api("POST", "session", {locale: CFG.lang}).then(function (data) {
        S.visitor = data.visitor_token;
        store.set("visitor", S.visitor);
        sessionPromise = null;
        connect();
        return S.visitor;
      }, function (err) { sessionPromise = null; throw err; });
    }
    return sessionPromise;
  }
  function forgetVisitor() {
    // The server no longer knows this token (revoked, or a reset database): start over.
    S.visitor = null;
    ["visitor", "conv", "last", "draft"].forEach(store.del);
    S.conv = null; S.lastId = 0; S.convs = {}; S.order = [];
    var box = outbox().map(function (item) {
      if (typeof item.conv === "number") { item.conv = "new:" + ensureDraft(); }
      return item;
    });
    saveOutbox(box);
    if (S.ws) { var dead = S.ws; S.ws = null; try { dead.close(); } catch (e) { /* gone */ } }
  }
  function authed(method, path, body, isForm) {
    return ensureSession().then(function () { return api(method, path, body, isForm); }).catch(function (err) {
      if (err.status !== 401 || !S.visitor) { throw err; }
      forgetVisitor();
      return ensureSession().then(function () { return api(method, path, body, isForm); });
    });
  }

  // --- outbox ---------------------------------------------------------------------
  function outbox() { return store.get("outbox", []); }
  function saveOutbox(items) { store.set("outbox", items); }
  function ensureDraft() {
    if (!S.draft) { S.draft = uuid(); store.set("draft", S.draft); }
    return S.draft;
  }
  function allItems() {
    return outbox().concat(S.uploads).sort(function (a, b) { return a.at - b.at; });
  }
  function updateItem(key, changes) {
    var box = outbox(), found = false;
    box.forEach(function (item) {
      if (item.key === key) { Object.keys(changes).forEach(function (k) { item[k] = changes[k]; }); found = true; }
    });
    if (found) { saveOutbox(box); }
    S.uploads.forEach(function (item) {
      if (item.key === key) { Object.keys(changes).forEach(function (k) { item[k] = changes[k]; }); }
    });
    var node = pendingNode(key);
    var item = allItems().filter(function (i) { return i.key === key; })[0];
    if (node && item) { paintPending(node, item); }
  }
  function dropItem(key) {
    saveOutbox(outbox().filter(function (i) { return i.key !== key; }));
    S.uploads = S.uploads.filter(function (i) { return i.key !== key; });
    var node = pendingNode(key);
    if (node) { node.parentNode.removeChild(node); }
  }
  function remap(from, to) {
    // Later messages written for the same (new or resolved) case follow the first one.
    var box = outbox();
    box.forEach(function (i) { if (i.conv === from) { i.conv = to; } });
    saveOutbox(box);
    S.uploads.forEach(function (i) { if (i.conv === from) { i.conv = to; } });
    var draftKey = S.draft ? "new:" + S.draft : null;
    if ((S.conv === null && from === draftKey) || (S.conv !== null && S.conv === from)) {
      openConversation(to);
    }
  }
  function transient(err) {
    return err.status === 0 || err.status === 408 || err.status === 429 || err.status >= 500;
  }
  function scheduleFlush(delay) {
    clearTimeout(S.retryTimer);
    S.retryTimer = setTimeout(function () { S.retryTimer = null; flush(false); }, Math.max(0, delay));
  }
  function flush(force) {
    if (S.inflight) { return; }
    var items = allItems().filter(function (i) { return i.state !== "failed"; });
    if (!items.length) { return; }
    var wait = S.retryAt - Date.now();
    if (wait > 0 && !(force && !S.retryWas429)) { scheduleFlush(wait); return; }
    var item = items[0];
    S.inflight = item.key;
    updateItem(item.key, {state: "sending"});
    var conv = typeof item.conv === "number" ? item.conv : null;
    var request;
    if (item.files) {
      var form = new FormData();
      form.append("content", item.content);
      form.append("idempotency_key", item.key);
      if (conv) { form.append("conversation_id", String(conv)); }
      item.files.forEach(function (f) { form.append("attachments", f, f.name); });
      request = authed("POST", "messages", form, true);
    } else {
      var body = {content: item.content, idempotency_key: item.key};
      if (conv) { body.conversation_id = conv; }
      request = authed("POST", "messages", body);
    }
    request.then(function (data) {
      S.inflight = null; S.sendBackoff = 0; S.retryAt = 0;
      dropItem(item.key);
      rememberConversation(data.conversation);
      if (item.conv !== data.conversation.id) { remap(item.conv, data.conversation.id); }
      if (data.conversation.id === S.conv) { renderMessage(data.message); }
      // A link or address the visitor pasted is a confirmed scam (trust app): say so now.
      if (data.scam_warning) { showError(data.scam_warning); }
      assistant.sent(data.conversation, data.message);
      setConn(S.wsReady || !S.visitor ? null : T.connecting);
      releaseDeferred();
      renderBar();
      renderList();
      flush(false);
    }, function (err) {
      S.inflight = null;
      if (transient(err)) {
        updateItem(item.key, {state: "queued"});
        var delay;
        S.retryWas429 = err.status === 429;
        if (err.status === 429) {
          delay = Math.max(1, err.retryAfter || 1) * 1000;
          setConn(fmt("rate_limited", {seconds: Math.ceil(delay / 1000)}));
        } else {
          S.sendBackoff = Math.min(30000, S.sendBackoff ? S.sendBackoff * 2 : 1000);
          delay = S.sendBackoff;
          setConn(navigator.onLine === false ? T.offline : T.server_error);
        }
        S.retryAt = Date.now() + delay;
        scheduleFlush(delay);
      } else {
        updateItem(item.key, {state: "failed", error: err.message});
        showError(err.message);
        flush(false);
      }
      releaseDeferred();
    });
  }

  // --- rendering: messages ------------------------------------------------------------
  function nearBottom() {
    var m = els.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }
  function scrollDown() { els.messages.scrollTop = els.messages.scrollHeight; }
  function messageEl(m) { return surveys.decorate(assistant.decorate(trust.decorate(buildMessage(m, T, timeText), m), m), m); }
  function renderMessage(m) {
    if (S.rendered[m.id]) { return; }
    var stick = m.mine || nearBottom();
    var node = messageEl(m);
    S.rendered[m.id] = node;
    // Keep id order; pending messages (no id yet) stay below every stored one.
    var before = null;
    var children = els.messages.children;
    for (var i = 0; i < children.length; i++) {
      var c = children[i];
      var id = parseInt(c.getAttribute("data-id") || "0", 10);
      if ((id && id > m.id) || c.hasAttribute("data-key")) { before = c; break; }
    }
    els.messages.insertBefore(node, before);
    if (stick) { scrollDown(); }
  }
  function pendingNode(key) {
    var nodes = els.messages.querySelectorAll(".bdw-pending");
    for (var i = 0; i < nodes.length; i++) { if (nodes[i].getAttribute("data-key") === key) { return nodes[i]; } }
    return null;
  }
  function paintPending(node, item) {
    node.classList.toggle("bdw-failed", item.state === "failed");
    var meta = node.querySelector(".bdw-meta");
    meta.textContent = "";
    if (item.state !== "failed") {
      meta.appendChild(el("span", "", item.state === "sending" ? T.sending : T.queued));
      return;
    }
    meta.appendChild(el("span", "", fmt("failed", {reason: item.error || T.server_error})));
    var retry = el("button", "bdw-link", T.retry);
    retry.type = "button";
    retry.addEventListener("click", function () { showError(""); updateItem(item.key, {state: "queued", error: ""}); flush(true); });
    var discard = el("button", "bdw-link", T.discard);
    discard.type = "button";
    discard.addEventListener("click", function () { dropItem(item.key); });
    meta.appendChild(retry);
    meta.appendChild(discard);
  }
  function addPending(item) {
    if (pendingNode(item.key)) { return; }
    var node = el("div", "bdw-msg bdw-mine bdw-pending");
    node.setAttribute("data-key", item.key);
    var text = el("div", "bdw-text");
    appendText(text, item.content);
    node.appendChild(text);
    if (item.files && item.files.length) {
      var names = el("div", "bdw-atts");
      item.files.forEach(function (f) { names.appendChild(el("span", "bdw-file", "\uD83D\uDCCE " + f.name)); });
      node.appendChild(names);
    }
    node.appendChild(el("div", "bdw-meta"));
    paintPending(node, item);
    els.messages.appendChild(node);
  }
  function renderPendingForView() {
    var here = S.conv !== null ? S.conv : (S.draft ? "new:" + S.draft : null);
    allItems().forEach(function (item) { if (item.conv === here) { addPending(item); } });
  }
  function releaseDeferred() {
    var list = S.deferred;
    S.deferred = [];
    list.forEach(function (m) { if (m.conversation_id === S.conv) { renderMessage(m); } });
  }
  function clearMessages() {
    var keep = ["bdw-welcome"];
    Array.prototype.slice.call(els.messages.children).forEach(function (c) {
      if (keep.indexOf(c.id) === -1 && !c.classList.contains("bdw-safety")) { els.messages.removeChild(c); }
    });
    S.rendered = {};
  }

  // --- rendering: conversations, bar, timeline --------------------------------------
  function statusLabel(status) { return T["status_" + status] || status; }
  function badge(status) { return el("span", "bdw-badge bdw-badge-" + status, statusLabel(status)); }
  function rememberConversation(c) {
    if (!c || !c.id) { return; }
    var old = S.convs[c.id] || {};
    Object.keys(c).forEach(function (k) { old[k] = c[k]; });
    S.convs[c.id] = old;
    if (S.order.indexOf(c.id) === -1) { S.order.unshift(c.id); }
  }
  function renderList() {
    els.list.textContent = "";
    var ids = S.order.slice().sort(function (a, b) {
      return String(S.convs[b].last_activity_at || "").localeCompare(String(S.convs[a].last_activity_at || ""));
    });
    els.listEmpty.hidden = ids.length + S.elsewhere.length > 0;
    ids.forEach(function (id) {
      var c = S.convs[id];
      var li = el("li", S.unreadConvs[id] ? "bdw-unread" : "");
      var button = el("button", "bdw-item");
      button.type = "button";
      var top = el("span", "bdw-item-top");
      top.appendChild(el("span", "bdw-item-title", fmt("conversation_n", {id: c.display_id})));
      top.appendChild(badge(c.status));
      top.appendChild(el("time", "bdw-muted-time", timeText(c.last_activity_at, true)));
      button.appendChild(top);
      if (c.preview) { button.appendChild(el("span", "bdw-item-preview", c.preview)); }
      button.addEventListener("click", function () { openConversation(id); });
      li.appendChild(button);
      els.list.appendChild(li);
    });
    // The customer's cases on other channels (email, Telegram…): listed, each with its
    // channel, but they continue there.
    S.elsewhere.forEach(function (c) {
      var li = el("li", "bdw-elsewhere");
      li.setAttribute("data-channel", c.channel || "");
      var item = el("button", "bdw-item");
      item.type = "button";
      item.addEventListener("click", function () { elsewhere.open(c); });
      var top = el("span", "bdw-item-top");
      top.appendChild(el("span", "bdw-item-title", fmt("conversation_n", {id: c.display_id})));
      top.appendChild(badge(c.status));
      top.appendChild(el("time", "bdw-muted-time", timeText(c.last_activity_at, true)));
      item.appendChild(top);
      item.appendChild(el("span", "bdw-item-channel", fmt("elsewhere", {channel: c.channel_label})));
      if (c.preview) { item.appendChild(el("span", "bdw-item-preview", c.preview)); }
      li.appendChild(item);
      els.list.appendChild(li);
    });
  }
  function renderBar() {
    els.caseEl.textContent = "";
    els.caseEl.title = "";
    var c = S.conv !== null ? S.convs[S.conv] : null;
    caseContinue.update(c);
    els.tlToggle.hidden = !c;
    els.followupOpen.hidden = !c;
    if (!c) {
      els.caseEl.appendChild(el("span", "", T.new_conversation));
      els.timeline.hidden = true;
      record.clear();
      els.resolved.hidden = true;
      return;
    }
    els.caseEl.appendChild(el("span", "", "#" + c.display_id));
    els.caseEl.appendChild(badge(c.status));
    if (c.assignee_name && c.status !== "resolved") { els.caseEl.title = fmt("handled_by", {name: c.assignee_name}); }
    els.resolved.textContent = T.resolved_note;
    els.resolved.hidden = c.status !== "resolved";
  }
  function eventLabel(ev) {
    if (ev.kind === "opened") { return T.ev_opened; }
    if (ev.kind === "assigned") { return fmt("ev_assigned", {name: ev.assignee_name || T.support}); }
    if (ev.kind === "status_changed") { return T["ev_status_" + ev.status] || T.ev_other; }
    if (ev.kind === "followup_email") { return T.ev_followup_email; }
    if (ev.kind === "secret_redacted") { return T.ev_secret_redacted; }
    return T.ev_other;
  }
  function renderTimeline() {
    els.timeline.textContent = "";
    if (!S.timeline.length) { els.timeline.appendChild(el("li", "", T.timeline_empty)); }
    S.timeline.forEach(function (ev) {
      var li = el("li");
      var time = el("time", "", timeText(ev.created_at, true));
      time.dateTime = ev.created_at || "";
      li.appendChild(time);
      li.appendChild(document.createTextNode(eventLabel(ev)));
      els.timeline.appendChild(li);
    });
  }
  function showList() {
    elsewhere.close();
    els.chatView.hidden = true;
    els.listView.hidden = false;
    renderList();
    loadConversations().catch(noop);
  }
  function showChat() {
    elsewhere.close();
    els.listView.hidden = true;
    els.chatView.hidden = false;
  }

  // --- loading --------------------------------------------------------------------
  function loadConversations() {
    return authed("GET", "conversations").then(function (data) {
      S.convs = {};
      S.order = [];
      S.elsewhere = data.conversations.filter(function (c) { return c.here === false; });
      var here = data.conversations.filter(function (c) { return c.here !== false; });
      here.forEach(function (c) { S.convs[c.id] = c; S.order.push(c.id); });
      if (!S.lastId) {
        // First visit on this device: everything so far counts as seen.
        setLast(here.reduce(function (m, c) { return Math.max(m, c.last_message_id || 0); }, 0));
      }
      if (S.conv !== null && !S.convs[S.conv]) { S.conv = null; store.del("conv"); }
      renderList();
      renderBar();
      return here;
    });
  }
  function pickConversation(list) {
    if (S.conv !== null || S.draft) { return S.conv; }
    var open = list.filter(function (c) { return c.status !== "resolved"; })[0];
    return open ? open.id : null;
  }
  function openConversation(id) {
    S.conv = id;
    S.draft = null;
    store.set("conv", id);
    store.del("draft");
    var token = ++S.viewToken;
    clearMessages();
    hideTyping();
    els.followupDone.hidden = true;
    els.followup.hidden = true;
    delete S.unreadConvs[id];
    S.timeline = [];
    record.clear();
    renderBar();
    showChat();
    function page(after) {
      return authed("GET", "messages?conversation_id=" + id + "&after_id=" + after).then(function (data) {
        if (token !== S.viewToken) { return null; }
        var last = after;
        data.messages.forEach(function (m) { renderMessage(m); S.seen[m.id] = true; last = Math.max(last, m.id); });
        return data.has_more ? page(last) : null;
      });
    }
    return page(0).then(function () {
      if (token !== S.viewToken) { return null; }
      renderPendingForView();
      scrollDown();
      markRead();
      return authed("GET", "conversations/" + id);
    }).then(function (data) {
      if (!data || token !== S.viewToken) { return; }
      rememberConversation(data.conversation);
      S.timeline = data.timeline;
      renderBar();
      renderTimeline();
      if (els.timeline.hidden) { record.clear(); } else { record.load(id); }
    }).catch(function (err) {
      if (err.status === 404) {
        S.conv = null;
        store.del("conv");
        newConversation();
      } else if (transient(err)) {
        setConn(err.message);
      } else {
        showError(err.message);
      }
    });
  }
  function newConversation() {
    S.conv = null;
    S.draft = null;
    store.del("conv");
    ensureDraft();
    S.viewToken++;
    clearMessages();
    hideTyping();
    S.timeline = [];
    els.followup.hidden = true;
    els.followupDone.hidden = true;
    renderBar();
    renderPendingForView();
    showChat();
    els.input.focus();
  }
  function catchUp() {
    if (!S.visitor) { return Promise.resolve(); }
    if (S.catching) { S.catchAgain = true; return S.catching; }
    var after = S.lastId;
    function page() {
      return authed("GET", "messages?after_id=" + after).then(function (data) {
        data.messages.forEach(function (m) { receive(m); after = Math.max(after, m.id); });
        return data.has_more ? page() : null;
      });
    }
    S.catching = page().then(function () { setLast(after); }).catch(noop).then(function () {
      S.catching = null;
      if (S.catchAgain) { S.catchAgain = false; return catchUp(); }
      return null;
    });
    return S.catching;
  }
  function refresh() {
    return loadConversations().then(function (list) {
      var pick = pickConversation(list);
      if (pick !== null && pick !== S.conv) { return openConversation(pick); }
      if (pick !== null && els.chatView.hidden === false && !Object.keys(S.rendered).length) { return openConversation(pick); }
      if (pick === null && !S.draft) { newConversation(); }
      return null;
    }).then(catchUp).catch(function (err) { if (transient(err)) { setConn(T.server_error); } });
  }

  // --- live events ------------------------------------------------------------------
  function countUnread(m) {
    if (m.mine || S.seen[m.id]) { return; }
    S.seen[m.id] = true;
    if (!S.visible || document.hidden || m.conversation_id !== S.conv) {
      S.unread += 1;
      notifyParent("unread", {count: S.unread});
    }
  }
  function receive(m, live) {
    if (live && S.wsReady && !S.catching) { setLast(m.id); }
    countUnread(m);
    if (m.conversation_id === S.conv) {
      if (m.mine && S.inflight) { S.deferred.push(m); return; }
      renderMessage(m);
      if (!m.mine) { hideTyping(); markRead(); }
    } else if (!m.mine) {
      S.unreadConvs[m.conversation_id] = true;
      if (!S.convs[m.conversation_id]) { loadConversations().catch(noop); } else { renderList(); }
    }
  }
  // How far the visitor has seen the conversation on screen (widget open, tab visible):
  // replies they saw are not emailed to their follow-up address.
  function markRead() {
    if (!S.visible || document.hidden || !S.conv || !S.wsReady) { return; }
    var top = 0;
    Object.keys(S.rendered).forEach(function (id) { if (+id > top) { top = +id; } });
    if (top > (S.readSent[S.conv] || 0)) {
      S.readSent[S.conv] = top;
      sendWs({type: "seen", conversation_id: S.conv, message_id: top});
    }
  }
  function hideTyping() {
    clearTimeout(S.typingHide);
    els.typing.hidden = true;
  }
  function showTyping(on) {
    if (!on) { hideTyping(); return; }
    els.typing.textContent = T.agent_typing;
    els.typing.hidden = false;
    clearTimeout(S.typingHide);
    // An agent whose "stopped" frame got lost must not look busy forever.
    S.typingHide = setTimeout(hideTyping, 8000);
  }
  function onEvent(ev) {
    calls.onEvent(ev);
    if (ev.type === "ready") {
      S.wsReady = true;
      S.backoff = 1000;
      setConn(null);
      refresh().then(function () { flush(true); markRead(); });
    } else if (ev.type === "pong") {
      clearTimeout(S.pongTimer);
    } else if (ev.type === "message.created" && ev.message) {
      receive(ev.message, true);
    } else if (ev.type === "conversation.updated" && ev.conversation) {
      if (S.convs[ev.conversation.id]) { rememberConversation(ev.conversation); }
      renderBar();
      renderList();
    } else if (ev.type === "conversation.event" && ev.conversation_id === S.conv && ev.event) {
      S.timeline.push(ev.event);
      renderTimeline();
      // Steps are recorded from the event log just after the change: read them a bit later.
      var shown = S.conv;
      setTimeout(function () { if (S.conv === shown && !els.timeline.hidden) { record.load(shown); } }, 2000);
    } else if (ev.type === "typing" && ev.actor === "agent" && ev.conversation_id === S.conv) {
      showTyping(ev.on);
    }
  }

  // --- WebSocket ------------------------------------------------------------------
  function sendWs(obj) {
    if (S.ws && S.wsReady) { try { S.ws.send(JSON.stringify(obj)); } catch (e) { /* reconnect handles it */ } }
  }
  function stopHeartbeat() { clearInterval(S.pingTimer); clearTimeout(S.pongTimer); }
  function startHeartbeat() {
    stopHeartbeat();
    S.pingTimer = setInterval(function () {
      sendWs({type: "ping"});
      clearTimeout(S.pongTimer);
      // No answer: the connection is dead without having said so (common on mobile).
      S.pongTimer = setTimeout(function () {
        var dead = S.ws;
        S.ws = null;
        if (dead) { try { dead.close(); } catch (e) { /* gone */ } }
        socketDown(0);
      }, 10000);
    }, 25000);
  }
  function scheduleReconnect() {
    if (S.wsTimer) { return; }
    var delay = S.backoff / 2 + Math.random() * S.backoff / 2;
    S.backoff = Math.min(30000, S.backoff * 2);
    S.wsTimer = setTimeout(function () { S.wsTimer = null; connect(); }, delay);
  }
  function reconnectNow() {
    if (S.wsTimer) { clearTimeout(S.wsTimer); S.wsTimer = null; }
    S.backoff = 1000;
    connect();
  }
  function socketDown(code) {
    S.wsReady = false;
    stopHeartbeat();
    hideTyping();
    if (code === 4401) {
      forgetVisitor();
      if (S.opened) { ensureSession().then(refresh, noop); }
      return;
    }
    if (code === 4404) { setConn(T.session_failed); return; }
    setConn(navigator.onLine === false ? T.offline : T.reconnecting);
    scheduleReconnect();
  }
  function connect() {
    if (!S.visitor || S.ws || S.wsTimer) { return; }
    var url = (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + CFG.ws;
    var ws;
    try { ws = new window.WebSocket(url); } catch (e) { scheduleReconnect(); return; }
    S.ws = ws;
    ws.addEventListener("open", function () {
      if (ws === S.ws) { ws.send(JSON.stringify({type: "auth", token: S.visitor})); startHeartbeat(); }
    });
    ws.addEventListener("message", function (e) {
      if (ws !== S.ws) { return; }
      var ev;
      try { ev = JSON.parse(e.data); } catch (x) { return; }
      if (ev && typeof ev === "object") { onEvent(ev); }
    });
    ws.addEventListener("close", function (e) {
      if (ws !== S.ws) { return; }
      S.ws = null;
      socketDown(e.code);
    });
  }

  // --- composer ---------------------------------------------------------------------
  function stopTyping() {
    clearTimeout(S.typingStop);
    if (S.typingOn && S.conv !== null) { sendWs({type: "typing", conversation_id: S.conv, on: false}); }
    S.typingOn = false;
  }
  function updateCount() {
    var len = codePoints(els.input.value.trim());
    var max = CFG.max_length;
    var show = len > max * 0.8;
    els.count.hidden = !show;
    els.count.classList.toggle("bdw-count-over", len > max);
    if (show) { els.count.textContent = len > max ? fmt("too_long", {count: len, max: max}) : fmt("chars_left", {count: max - len}); }
  }
  function renderFiles() {
    els.files.textContent = "";
    els.files.hidden = !S.files.length;
    S.files.forEach(function (f, index) {
      var li = el("li", "", f.name);
      var remove = el("button", "", "\u00D7");
      remove.type = "button";
      remove.setAttribute("aria-label", fmt("remove_file", {name: f.name}));
      remove.addEventListener("click", function () { S.files.splice(index, 1); renderFiles(); });
      li.appendChild(remove);
      els.files.appendChild(li);
    });
  }
  function chooseFiles(list) {
    var problems = [];
    Array.prototype.forEach.call(list, function (f) {
      var type = (f.type || "").toLowerCase();
      if (S.files.length >= CFG.max_files) { problems.push(fmt("too_many_files", {n: CFG.max_files})); return; }
      if (CFG.accept.indexOf(type) === -1) { problems.push(fmt("file_type", {name: f.name})); return; }
      if (f.size > CFG.max_bytes) {
        problems.push(fmt("file_too_large", {name: f.name, mb: Math.floor(CFG.max_bytes / 1048576)}));
        return;
      }
      S.files.push(f);
    });
    showError(problems.join(" "));
    renderFiles();
  }
  function submit() {
    var content = els.input.value.trim();
    if (!content && !S.files.length) { return; }
    if (codePoints(content) > CFG.max_length) {
      showError(fmt("too_long", {count: codePoints(content), max: CFG.max_length}));
      return;
    }
    showError("");
    stopTyping();
    var item = {
      key: uuid(),
      conv: S.conv !== null ? S.conv : "new:" + ensureDraft(),
      content: content,
      at: Date.now(),
      state: "queued"
    };
    if (S.files.length) {
      // Files cannot live in localStorage: they are retried while the page is open.
      item.files = S.files.slice();
      S.uploads.push(item);
    } else {
      var box = outbox();
      box.push(item);
      saveOutbox(box);
    }
    els.input.value = "";
    S.files = [];
    renderFiles();
    updateCount();
    addPending(item);
    scrollDown();
    ensureSession().then(function () { flush(true); }, function (err) {
      updateItem(item.key, {state: "queued"});
      setConn(err.status === 429 ? fmt("rate_limited", {seconds: err.retryAfter || 1}) : T.server_error);
      scheduleFlush(Math.max(1, err.retryAfter || 3) * 1000);
    });
  }

  // --- wiring -----------------------------------------------------------------------
  function start() {
    if (S.started) { return; }
    S.started = true;
    renderBar();
    renderPendingForView();
    if (S.visitor) {
      connect();
      refresh().then(function () { flush(true); });
    } else if (S.opened) {
      beginSession();
    }
  }
  function beginSession() {
    setConn(T.connecting);
    ensureSession().then(function () { setConn(S.wsReady ? null : T.connecting); return refresh(); }).then(function () {
      flush(true);
    }, function (err) {
      setConn(err.status === 429 ? fmt("rate_limited", {seconds: err.retryAfter || 1}) : T.session_failed);
      if (err.status === 404) { return; }  // this chat was removed: nothing to retry
      setTimeout(beginSession, Math.max(3, err.retryAfter || 0) * 1000);
    });
  }
  function opened() {
    S.opened = true;
    S.visible = true;
    S.unread = 0;
    notifyParent("unread", {count: 0});
    markRead();
    if (!S.started) { start(); } else if (!S.visitor && !sessionPromise) { beginSession(); }
    setTimeout(function () { els.input.focus(); }, 50);
  }

  els.composer.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
  els.input.addEventListener("keydown", function (e) {
    // Enter sends; Shift+Enter is a new line; never while an IME (pinyin) is composing.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
  });
  els.input.addEventListener("input", function () {
    updateCount();
    if (S.conv === null || !S.wsReady) { return; }
    var now = Date.now();
    if (!S.typingOn || now - S.typingSentAt > 3000) {
      sendWs({type: "typing", conversation_id: S.conv, on: true});
      S.typingOn = true;
      S.typingSentAt = now;
    }
    clearTimeout(S.typingStop);
    S.typingStop = setTimeout(stopTyping, 4000);
  });
  els.file.addEventListener("change", function () { chooseFiles(els.file.files); els.file.value = ""; });
  els.back.addEventListener("click", showList);
  els.newBtn.addEventListener("click", newConversation);
  els.tlToggle.addEventListener("click", function () {
    var show = els.timeline.hidden;
    els.timeline.hidden = !show;
    els.tlToggle.setAttribute("aria-expanded", show ? "true" : "false");
    if (show) { renderTimeline(); record.load(S.conv); } else { record.clear(); }
  });
  els.followupOpen.addEventListener("click", function () {
    els.followup.hidden = false;
    els.followupDone.hidden = true;
    els.followupEmail.focus();
  });
  els.followupCancel.addEventListener("click", function () { els.followup.hidden = true; });
  els.followup.addEventListener("submit", function (e) {
    e.preventDefault();
    var email = els.followupEmail.value.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) { showError(T.followup_invalid); return; }
    if (S.conv === null) { return; }
    authed("POST", "conversations/" + S.conv + "/followup", {email: email}).then(function (data) {
      rememberConversation(data.conversation);
      showError("");
      els.followup.hidden = true;
      els.followupDone.textContent = fmt("followup_thanks", {email: email});
      els.followupDone.hidden = false;
    }, function (err) { showError(err.message); });
  });
  els.lang.addEventListener("change", function () {
    var lang = els.lang.value;
    if (LANGS.indexOf(lang) === -1) { return; }
    store.set("lang", lang);
    notifyParent("lang", {lang: lang});
    var saved = S.visitor ? api("POST", "me", {locale: lang}).catch(noop) : Promise.resolve();
    Promise.race([saved, new Promise(function (r) { setTimeout(r, 800); })]).then(function () { navigate(lang); });
  });
  function navigate(lang) {
    var url = new URL(window.location.href);
    url.searchParams.set("lang", lang);
    window.location.replace(url.toString());
  }
  if (framed) {
    els.close.hidden = false;
    els.close.addEventListener("click", function () { notifyParent("close"); });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") { notifyParent("close"); } });
  }
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data || e.data.blockdesk !== 1) { return; }
    if (e.data.type === "open") {
      opened();
      // Never overwrite what the visitor is already typing.
      if (typeof e.data.prefill === "string" && !els.input.value.trim()) {
        els.input.value = e.data.prefill;
        els.input.focus();
      }
    } else if (e.data.type === "close") { S.visible = false; }
  });
  window.addEventListener("online", function () { setConn(null); reconnectNow(); flush(true); });
  window.addEventListener("offline", function () { setConn(T.offline); });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && S.visitor && !S.ws) { reconnectNow(); }
    if (!document.hidden && S.visible && S.unread) { S.unread = 0; notifyParent("unread", {count: 0}); }
    markRead();
  });

  // --- wallet sign-in (static/wallet_auth/widget.js) ---------------------------------
  // A sign-in re-binds this browser's token to the wallet's contact (same token), a
  // sign-out hands a new one: either way drop the old contact's state and reload.
  function rebind(token) {
    if (token && token !== S.visitor) {
      forgetVisitor();
      S.visitor = token;
      store.set("visitor", token);
    } else {
      ["conv", "last", "draft"].forEach(store.del);
      S.conv = null; S.draft = null; S.lastId = 0; S.convs = {}; S.order = [];
      if (S.ws) { var dead = S.ws; S.ws = null; try { dead.close(); } catch (e) { /* gone */ } }
    }
    S.wsReady = false;
    clearMessages();
    reconnectNow();
  }
  mountWallet({
    getVisitor: function () { return S.visitor; }, ensureSession: ensureSession, rebound: rebind,
    lang: CFG.lang, storePrefix: "blockdesk:" + CFG.token + ":"
  });

  // --- boot -------------------------------------------------------------------------
  var chosen = store.get("lang", null);
  if (chosen && chosen !== CFG.lang && LANGS.indexOf(chosen) !== -1) {
    // The visitor picked a language here before: it wins over the browser's.
    navigate(chosen);
    return;
  }
  if (CFG.color) {
    document.documentElement.style.setProperty("--bdw-accent", CFG.color);
    notifyParent("theme", {color: CFG.color});
  }
  if (S.visitor) {
    // A returning visitor: connect now, so replies can raise the launcher's badge.
    start();
  } else if (S.opened) {
    start();
  }
  if (S.opened) { setTimeout(function () { els.input.focus(); }, 50); }
})();

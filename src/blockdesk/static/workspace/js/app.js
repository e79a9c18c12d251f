// Agent console: live list and conversation over the agent socket, forms sent with
// fetch, canned replies, keyboard shortcuts. Every form also works without this script.
// User content is only ever put in the page with textContent (never innerHTML).
(function () {
  "use strict";

  // --- small helpers -------------------------------------------------------------
  var stringsEl = document.getElementById("ws-i18n");
  var T = stringsEl ? stringsEl.dataset : {};

  function t(key, fallback) { return (T && T[key]) || fallback || ""; }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) { return meta.content; }
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  var toastStack = null;
  function toast(message, isError) {
    if (!toastStack) {
      toastStack = el("div", "toast-stack");
      toastStack.setAttribute("role", "status");
      document.body.appendChild(toastStack);
    }
    var item = el("div", "toast" + (isError ? " error" : ""), message);
    toastStack.appendChild(item);
    setTimeout(function () { item.remove(); }, isError ? 7000 : 3500);
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); });
  }

  function postForm(form, submitter) {
    var data = submitter ? new FormData(form, submitter) : new FormData(form);
    return fetch(form.getAttribute("action") || location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        return { ok: r.ok, body: body };
      });
    });
  }

  function errorMessage(body) {
    return (body && body.error && body.error.message) || t("error", "Error");
  }

  function isWebUrl(url) { return typeof url === "string" && /^https?:\/\//.test(url); }

  function shortHash(value) { return value.length <= 18 ? value : value.slice(0, 10) + "…" + value.slice(-6); }

  function withQuery(url, extra) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + extra;
  }

  // --- behaviours on every page ------------------------------------------------------
  document.addEventListener("click", function (e) {
    var copy = e.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.dataset.copy);
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          var label = copy.textContent;
          copy.textContent = t("copied", "Copied");
          setTimeout(function () { copy.textContent = label; }, 1500);
        });
      }
    }
    // Clicking elsewhere closes open menus.
    document.querySelectorAll("details.menu[open], details.usermenu[open]").forEach(function (d) {
      if (!d.contains(e.target)) { d.removeAttribute("open"); }
    });
    if (e.target.closest("[data-open-shortcuts]")) { openShortcuts(); }
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.matches("[data-confirm]") && !window.confirm(t("confirmDelete", "Delete?"))) {
      e.preventDefault();
    }
  });

  document.querySelectorAll("body.app .flash li").forEach(function (li) {
    setTimeout(function () { li.remove(); }, li.classList.contains("error") ? 8000 : 4000);
  });

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts-help");
    if (dialog && !dialog.open && dialog.showModal) { dialog.showModal(); }
  }

  var configEl = document.getElementById("console-config");
  if (!configEl) { return; }
  var config = JSON.parse(configEl.textContent);
  var conversation = config.conversation || null;
  var main = document.querySelector("main.console");

  // --- unread counts ---------------------------------------------------------------
  function showUnread(counts) {
    if (!counts) { return; }
    document.querySelectorAll("[data-unread]").forEach(function (badge) {
      var n = counts[badge.dataset.unread] || 0;
      badge.textContent = String(n);
      badge.hidden = n === 0;
    });
    var total = document.querySelector("[data-unread-total]");
    if (total) {
      total.textContent = String(counts.all || 0);
      total.hidden = !counts.all;
    }
  }

  // --- the conversation list -------------------------------------------------------------
  var list = document.querySelector("[data-conv-list]");

  function buildRow(r) {
    var li = el("li", "conv-row" + (r.unread ? " unread" : "") + (r.id === config.active_id ? " active" : ""));
    li.dataset.conversationId = String(r.id);
    li.dataset.activity = r.last_activity_at;
    var a = el("a", "conv-link");
    a.href = r.url;
    var top = el("span", "conv-top");
    top.appendChild(el("span", "conv-name", r.contact_name));
    var time = el("time", "conv-time", r.time_label);
    time.setAttribute("datetime", r.last_activity_at);
    top.appendChild(time);
    a.appendChild(top);
    var snippet = el("span", "conv-snippet");
    if (r.snippet_private) {
      snippet.appendChild(el("span", "snippet-note", t("note", "Note:")));
      snippet.appendChild(document.createTextNode(" "));
    } else if (r.snippet_outgoing) {
      var out = el("span", "snippet-out", "↩");
      out.setAttribute("aria-hidden", "true");
      snippet.appendChild(out);
      snippet.appendChild(document.createTextNode(" "));
    }
    snippet.appendChild(el("span", "snippet-text", r.snippet || r.subject));
    a.appendChild(snippet);
    var meta = el("span", "conv-meta");
    meta.appendChild(el("span", "conv-id", "#" + r.display_id));
    if (r.priority === "urgent" || r.priority === "high") {
      meta.appendChild(el("span", "pill prio-" + r.priority, r.priority_label));
    }
    if (r.triage) {
      var score = el("span", "pill triage-badge triage-" + r.triage.level, r.triage.label);
      score.title = r.triage.title;
      meta.appendChild(score);
    }
    if (r.sla && r.sla.show) {
      var sla = el("span", "pill sla-badge " + r.sla.css, r.sla.text);
      sla.title = r.sla.title || "";
      meta.appendChild(sla);
    }
    if (r.status !== "open") { meta.appendChild(el("span", "pill status-" + r.status, r.status_label)); }
    var channel = el("span", "conv-channel", r.channel_label);
    channel.setAttribute("data-channel", r.channel);
    meta.appendChild(channel);
    meta.appendChild(el("span", "conv-inbox", r.inbox_name));
    if (r.assignee_name) { meta.appendChild(el("span", "conv-assignee", r.assignee_name)); }
    r.tags.forEach(function (tag) { meta.appendChild(el("span", "tag", tag)); });
    a.appendChild(meta);
    li.appendChild(a);
    return li;
  }

  function rowFor(id) {
    return list ? list.querySelector('[data-conversation-id="' + id + '"]') : null;
  }

  function updateEmpty() {
    if (!list) { return; }
    var empty = list.querySelector("[data-list-empty]");
    if (empty) { empty.hidden = !!list.querySelector(".conv-row"); }
  }

  function upsertRow(r, isNew) {
    var existing = rowFor(r.id);
    if (!existing && config.paged) { return; }
    var row = buildRow(r);
    if (existing && existing.classList.contains("keyboard-focus")) { row.classList.add("keyboard-focus"); }
    var stamp = Date.parse(r.last_activity_at);
    var before = null;
    list.querySelectorAll(".conv-row").forEach(function (other) {
      if (!before && other !== existing && Date.parse(other.dataset.activity) < stamp) { before = other; }
    });
    if (existing) { existing.remove(); }
    list.insertBefore(row, before || list.querySelector("[data-list-empty]"));
    if (isNew || !existing) { row.classList.add("flash-new"); }
    updateEmpty();
  }

  var pendingRows = {};
  var flushRows = debounce(function () {
    var ids = Object.keys(pendingRows);
    pendingRows = {};
    ids.forEach(function (id) {
      getJSON(withQuery(config.list_json + "?" + config.query, "id=" + id)).then(function (res) {
        if (!res.ok || !list) { return; }
        if (res.body.rows.length) {
          upsertRow(res.body.rows[0], false);
        } else {
          // It no longer matches this view (resolved, reassigned, …).
          // The open conversation stays, so j/k keep their place.
          var gone = rowFor(id);
          if (gone && Number(id) !== config.active_id) { gone.remove(); updateEmpty(); }
        }
      });
    });
  }, 150);

  function refreshRow(id) {
    if (!list || !id) { return; }
    pendingRows[id] = true;
    flushRows();
  }

  function refreshList() {
    if (!list || config.paged) { return; }
    getJSON(config.list_json + "?" + config.query).then(function (res) {
      if (res.ok) { res.body.rows.slice().reverse().forEach(function (r) { upsertRow(r, false); }); }
    });
  }

  // --- the socket ------------------------------------------------------------------
  var socket = null;
  var retry = 0;
  var everConnected = false;
  var connStatus = document.querySelector("[data-conn-status]");

  function send(obj) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(obj)); }
  }

  // ... and speak on it: frames they hand over go out as they are (the server checks them).
  document.addEventListener("blockdesk:agent-socket-send", function (e) {
    if (e.detail && typeof e.detail === "object") { send(e.detail); }
  });

  var requestUnread = debounce(function () { send({ type: "unread" }); }, 300);
  // The view tabs count the rows of each view with the list's filters (counts.json),
  // not unread messages: the socket's unread counts only feed the nav badge.
  var refreshCounts = debounce(function () {
    if (!config.counts_json) { return; }
    getJSON(config.counts_json + "?" + config.query).then(function (res) {
      if (!res.ok) { return; }
      document.querySelectorAll("[data-view-count]").forEach(function (badge) {
        var n = res.body.counts[badge.dataset.viewCount] || 0;
        badge.textContent = String(n);
        badge.hidden = n === 0;
      });
    });
  }, 300);
  var requestUnread = debounce(function () { send({ type: "unread" }); refreshCounts(); }, 300);

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/agent/");
    var statusTimer = setTimeout(function () { if (connStatus) { connStatus.hidden = false; } }, 2000);
    socket.addEventListener("open", function () {
      clearTimeout(statusTimer);
      retry = 0;
      if (connStatus) { connStatus.hidden = true; }
      if (everConnected) {
        // Catch up on whatever happened while the socket was down.
        refreshList();
        if (conversationView) { conversationView.fetchUpdates(); }
      }
      everConnected = true;
    });
    socket.addEventListener("message", function (msg) {
      var ev;
      try { ev = JSON.parse(msg.data); } catch (err) { return; }
      handleEvent(ev);
    });
    socket.addEventListener("close", function (e) {
      clearTimeout(statusTimer);
      if (connStatus) { connStatus.hidden = false; }
      var delay = e.code === 4401 ? 30000 : Math.min(15000, 1000 * Math.pow(2, retry++));
      setTimeout(connect, delay);
    });
  }

  function showDelivery(d) {
    if (!d) { return; }
    var article = document.querySelector('[data-message-id="' + String(d.message_id) + '"]');
    if (!article) { return; }
    var box = article.querySelector(".msg-delivery");
    if (!box) { box = el("div", "msg-delivery"); article.appendChild(box); }
    box.dataset.deliveryStatus = d.status;
    box.textContent = "";
    var tone = d.status === "failed" ? "prio-urgent" : d.status === "queued" ? "pill-warn" : "pill-ok";
    box.appendChild(el("span", "pill " + tone, d.status_label));
    if (d.channel) {
      // The one channel this reply goes out on (connectors/linked_channels.py).
      var via = el("span", "muted msg-delivery-channel", "→ " + d.channel);
      via.title = d.inbox_name || "";
      via.dataset.channel = d.channel_kind || "";
      box.appendChild(document.createTextNode(" "));
      box.appendChild(via);
    }
    if (d.reason) { box.appendChild(document.createTextNode(" ")); box.appendChild(el("span", "muted", d.reason)); }
    var csrf = document.querySelector('input[name="csrfmiddlewaretoken"]');
    if (d.can_retry && d.retry_url && csrf) {
      var form = el("form", "inline-form");
      form.method = "post";
      form.action = d.retry_url;
      form.appendChild(csrf.cloneNode());
      var button = el("button", "entity-action", t("retry", "Retry"));
      button.type = "submit";
      form.appendChild(button);
      box.appendChild(document.createTextNode(" "));
      box.appendChild(form);
    }
  }

  function handleEvent(ev) {
    var cid = null;
    // Other scripts of the page (static/calls/console-calls.js) hear the socket too.
    document.dispatchEvent(new CustomEvent("blockdesk:agent-socket", { detail: ev }));
    switch (ev.type) {
      case "ready":
      case "unread":
        showUnread(ev.unread);
        return;
      case "message.created":
        cid = ev.message && ev.message.conversation_id;
        refreshRow(cid);
        requestUnread();
        if (conversationView && cid === conversation.id) {
          conversationView.fetchUpdates();
          if (ev.message.sender_type === "contact") {
            conversationView.clearTyping();
            conversationView.markReadSoon();
          }
        }
        return;
      case "conversation.created":
      case "conversation.updated":
        cid = ev.conversation && ev.conversation.id;
        refreshRow(cid);
        requestUnread();
        if (conversationView && cid === conversation.id) { conversationView.fetchUpdates(); }
        return;
      case "conversation.event":
        if (conversationView && ev.conversation_id === conversation.id) { conversationView.fetchUpdates(); }
        return;
      case "conversation.deleted":
        var removed = rowFor(ev.conversation_id);
        if (removed) { removed.remove(); updateEmpty(); }
        requestUnread();
        return;
      case "conversation.read":
        var row = rowFor(ev.conversation_id);
        if (row) { row.classList.remove("unread"); }
        requestUnread();
        return;
      case "conversation.assigned_to_you":
        refreshRow(ev.conversation_id);
        requestUnread();
        return;
      case "typing":
        if (conversationView && ev.conversation_id === conversation.id) { conversationView.showTyping(ev); }
        return;
      case "delivery.updated":
        // A channel's delivery status (connectors/contract_delivery.py): any channel kind.
        showDelivery(ev.delivery);
        return;
      case "chain.watch_finished":
        toast(t("watchFinished", "%(hash)s: %(outcome)s")
          .replace("%(hash)s", shortHash(ev.tx_hash || ""))
          .replace("%(id)s", String(ev.display_id))
          .replace("%(outcome)s", ev.outcome_label || ev.outcome || ""), ev.outcome !== "confirmed");
        refreshRow(ev.conversation_id);
        if (conversationView && ev.conversation_id === conversation.id) { conversationView.fetchUpdates(); }
        return;
    }
  }

  // --- crypto and knowledge panels ------------------------------------------------------
  var panels = createPanels();
  var conversationView = conversation ? createConversationView() : null;

  function createPanels() {
    var holder = document.querySelector("[data-diagnosis]");

    function hidden(name, value) {
      var input = el("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      return input;
    }

    function actionForm(action, fields, label) {
      var form = el("form");
      form.method = "post";
      form.setAttribute("action", action);
      form.setAttribute("data-ajax", "");
      form.appendChild(hidden("csrfmiddlewaretoken", csrfToken()));
      fields.forEach(function (pair) {
        if (pair[0] === "content") {
          var area = el("textarea");
          area.name = "content";
          area.hidden = true;
          area.value = pair[1];
          form.appendChild(area);
        } else {
          form.appendChild(hidden(pair[0], pair[1]));
        }
      });
      var button = el("button", null, label);
      button.type = "submit";
      form.appendChild(button);
      return form;
    }

    // The same card as templates/workspace/_diagnosis.html, built from the same dict.
    function buildDiagnosis(d) {
      var card = el("div", "diag-card");
      card.dataset.diagnosisEvent = String(d.event_id);
      var head = el("div", "diag-head");
      head.appendChild(el("span", "pill diag-status diag-" + d.status, d.status_label));
      var code = el("code", "mono", d.short_hash);
      code.title = d.tx_hash;
      head.appendChild(code);
      if (isWebUrl(d.explorer_url)) {
        var link = el("a", null, t("explorer", "Explorer"));
        link.href = d.explorer_url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        head.appendChild(link);
      }
      if (d.needs_agent) { head.appendChild(el("span", "pill pill-warn", t("needsAgent", "Needs an agent"))); }
      card.appendChild(head);
      var facts = el("dl", "facts diag-facts");
      d.rows.forEach(function (r) {
        facts.appendChild(el("dt", null, r.label));
        facts.appendChild(el("dd", (r.mono ? "mono wrap" : "") + (r.warn ? " warn" : ""), r.value));
      });
      card.appendChild(facts);
      var text = el("div", "diag-explanation");
      if (d.customer.language) { text.lang = d.customer.language; }
      text.appendChild(el("p", "muted small", t("forCustomer", "For the customer (%(lang)s)").replace("%(lang)s", d.customer.language)));
      text.appendChild(el("p", "diag-title", d.customer.title));
      d.customer.paragraphs.forEach(function (p) { text.appendChild(el("p", null, p)); });
      if (d.customer.steps.length) {
        var steps = el("ul");
        d.customer.steps.forEach(function (s) { steps.appendChild(el("li", null, s)); });
        text.appendChild(steps);
      }
      card.appendChild(text);
      var actions = el("div", "diag-actions");
      var insert = el("button", null, t("insertReply", "Insert into reply"));
      insert.type = "button";
      insert.dataset.insertText = d.customer.text;
      actions.appendChild(insert);
      if (conversation) {
        actions.appendChild(actionForm(conversation.urls.reply, [["note", "1"], ["content", d.note_text]], t("postNote", "Post as internal note")));
        if (d.can_watch) {
          actions.appendChild(actionForm(conversation.urls.watch, [["tx_hash", d.tx_hash], ["chain", d.chain_key]], t("watch", "Watch until confirmed")));
        }
      }
      card.appendChild(actions);
      return card;
    }

    function showDiagnosis(d) {
      if (!holder || !d) { return; }
      var current = holder.querySelector("[data-diagnosis-event]");
      // Only ever move forward: a late catch-up must not replace a newer result.
      if (current && Number(current.dataset.diagnosisEvent) > d.event_id) { return; }
      holder.textContent = "";
      holder.appendChild(buildDiagnosis(d));
    }

    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (e.defaultPrevented || !form.matches("[data-diagnose]")) { return; }
      e.preventDefault();
      var submitter = e.submitter && e.submitter.name ? e.submitter : null;
      if (main) { main.classList.add("contact-open"); }
      var previous = Array.prototype.slice.call(holder.childNodes);
      holder.textContent = "";
      holder.appendChild(el("p", "muted small", t("diagnosing", "…")));
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      postForm(form, submitter).then(function (res) {
        holder.textContent = "";
        if (!res.ok) {
          previous.forEach(function (n) { holder.appendChild(n); });
          toast(errorMessage(res.body), true);
          return;
        }
        form.querySelector('input[name="tx_hash"]').value = "";
        showDiagnosis(res.body.diagnosis);
        if (holder.scrollIntoView) { holder.scrollIntoView({ block: "nearest" }); }
      }).catch(function () {
        holder.textContent = "";
        previous.forEach(function (n) { holder.appendChild(n); });
        toast(t("error", "Error"), true);
      }).finally(function () {
        buttons.forEach(function (b) { b.disabled = false; });
      });
    });

    // knowledge: suggestions for the conversation, or what the agent searched
    var kb = document.querySelector("[data-kb-panel]");
    var kbList = kb && kb.querySelector("[data-kb-results]");
    var kbStatus = kb && kb.querySelector("[data-kb-status]");
    var kbSeq = 0;

    function kbButton(label, text) {
      var b = el("button", null, label);
      b.type = "button";
      b.dataset.insertText = text;
      return b;
    }

    function renderArticles(body, typed) {
      kbList.textContent = "";
      kbStatus.textContent = body.articles.length
        ? (typed ? t("kbResults", "%(q)s").replace("%(q)s", typed) : t("kbSuggested", ""))
        : t("kbNone", "");
      body.articles.forEach(function (a) {
        var li = el("li");
        var title = el("a", "kb-title", a.title);
        if (isWebUrl(a.url)) { title.href = a.url; }
        title.target = "_blank";
        title.rel = "noopener";
        li.appendChild(title);
        if (a.cross_lingual) {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("span", "pill", t("kbOtherLanguage", "") + " · " + a.language));
        }
        li.appendChild(el("p", "kb-snippet", a.snippet));
        var actions = el("div", "kb-actions");
        actions.appendChild(kbButton(t("insertLink", "Insert link"), a.title + "\n" + a.url));
        if (a.summary) { actions.appendChild(kbButton(t("insertSummary", "Insert summary"), a.summary)); }
        li.appendChild(actions);
        kbList.appendChild(li);
      });
    }

    function loadArticles(typed) {
      if (!kb) { return; }
      var seq = ++kbSeq;
      kbStatus.textContent = t("kbSearching", "…");
      var url = typed ? withQuery(kb.dataset.url, "q=" + encodeURIComponent(typed)) : kb.dataset.url;
      getJSON(url).then(function (res) {
        if (seq !== kbSeq) { return; }
        if (!res.ok) { kbStatus.textContent = errorMessage(res.body); return; }
        renderArticles(res.body, typed);
      }).catch(function () {
        if (seq === kbSeq) { kbStatus.textContent = t("error", "Error"); }
      });
    }

    if (kb) {
      kb.querySelector("[data-kb-search]").addEventListener("submit", function (e) {
        e.preventDefault();
        loadArticles(e.target.querySelector('input[name="q"]').value.trim());
      });
      loadArticles("");
    }

    document.addEventListener("click", function (e) {
      var insert = e.target.closest("[data-insert-text]");
      if (insert && conversationView) { conversationView.insertText(insert.dataset.insertText); }
    });

    return { showDiagnosis: showDiagnosis };
  }

  function createConversationView() {
    var timeline = document.querySelector("[data-timeline]");
    var typingEl = document.querySelector("[data-typing]");
    var composer = document.querySelector("[data-composer]");
    var textarea = composer.querySelector("[data-composer-text]");
    var lastMessageId = conversation.last_message_id;
    var lastEventId = conversation.last_event_id;
    var typingClear = null;

    function nearBottom() {
      return timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 160;
    }
    function scrollDown() { timeline.scrollTop = timeline.scrollHeight; }
    scrollDown();

    function buildTime(item) {
      var time = el("time", null, item.time_label);
      time.setAttribute("datetime", item.created_at);
      time.title = item.full_time;
      return time;
    }

    function buildMessage(m) {
      var article = el("article", "msg msg-" + m.sender_type + (m.private ? " msg-note" : ""));
      article.dataset.messageId = String(m.id);
      var head = el("header", "msg-head");
      head.appendChild(el("span", "msg-author", m.sender_name));
      if (m.private) { head.appendChild(el("span", "pill pill-note", t("privateNote", "Private note"))); }
      head.appendChild(buildTime(m));
      article.appendChild(head);
      article.appendChild(m.entities && m.entities.length ? buildBody(m.content, m.entities) : el("div", "msg-body", m.content));
      // Article + confidence + correction under assistant messages (static/assistant/workspace.js).
      var assistantMeta = m.assistant && window.BlockdeskAssistant ? window.BlockdeskAssistant.meta(m) : null;
      if (assistantMeta) { article.appendChild(assistantMeta); }
      if (m.attachments && m.attachments.length) {
        var files = el("ul", "msg-files");
        m.attachments.forEach(function (f) {
          var li = el("li");
          if (f.audio) {
            var player = el("audio", "msg-audio");
            player.controls = true;
            player.preload = "metadata";
            player.src = f.url;
            li.appendChild(player);
          }
          var a = el("a");
          a.href = f.url;
          a.target = "_blank";
          a.rel = "noopener";
          if (f.image) {
            var img = el("img");
            img.src = f.url;
            img.alt = f.filename;
            a.appendChild(img);
          }
          a.appendChild(el("span", null, f.filename));
          li.appendChild(a);
          files.appendChild(li);
        });
        article.appendChild(files);
      }
      return article;
    }

    // Hashes and addresses arrive as UTF-16 offsets computed on the server; the text
    // itself only ever goes in as text nodes.
    function buildBody(content, entities) {
      var body = el("div", "msg-body");
      var pos = 0;
      entities.slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (e) {
        if (e.start < pos || e.end > content.length) { return; }
        if (e.start > pos) { body.appendChild(document.createTextNode(content.slice(pos, e.start))); }
        var value = content.slice(e.start, e.end);
        var span = el("span", "entity " + (e.kind === "tx" ? "entity-tx" : "entity-address"), value);
        if (e.chain) { span.title = e.chain; }
        body.appendChild(span);
        if (isWebUrl(e.explorer_url)) {
          var link = el("a", "entity-link", "↗");
          link.href = e.explorer_url;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          link.title = t("openExplorer", "Open in explorer") + (e.chain ? " (" + e.chain + ")" : "");
          link.setAttribute("aria-label", t("openExplorer", "Open in explorer"));
          body.appendChild(link);
        }
        if (e.kind === "tx") {
          var button = el("button", "entity-action", t("diagnose", "Diagnose"));
          button.type = "submit";
          button.setAttribute("form", "diagnose-form");
          button.name = "message_hash";
          button.value = value;
          body.appendChild(button);
        }
        pos = e.end;
      });
      if (pos < content.length) { body.appendChild(document.createTextNode(content.slice(pos))); }
      return body;
    }

    function buildEvent(ev) {
      var div = el("div", "tl-event");
      div.dataset.eventId = String(ev.id);
      div.appendChild(el("span", "tl-text", ev.text));
      div.appendChild(document.createTextNode(" "));
      div.appendChild(buildTime(ev));
      if (ev.audio) {  // a call recording (calls app): the server checked who may play it
        var player = el("audio", "tl-audio");
        player.controls = true;
        player.preload = "metadata";
        player.src = ev.audio;
        div.appendChild(player);
      }
      return div;
    }

    function addItems(items, forceScroll) {
      var stick = forceScroll || nearBottom();
      items.forEach(function (item) {
        var selector = item.type === "message" ? '[data-message-id="' + item.id + '"]' : '[data-event-id="' + item.id + '"]';
        if (timeline.querySelector(selector)) { return; }
        var placeholder = timeline.querySelector("p.muted");
        if (placeholder) { placeholder.remove(); }
        var node = item.type === "message" ? buildMessage(item) : buildEvent(item);
        node.classList.add("just-arrived");
        timeline.appendChild(node);
        if (item.type === "message") { lastMessageId = Math.max(lastMessageId, item.id); }
        else { lastEventId = Math.max(lastEventId, item.id); }
        if (item.diagnosis) { panels.showDiagnosis(item.diagnosis); }
      });
      if (stick) { scrollDown(); }
    }

    var fetchUpdates = debounce(function () {
      var url = withQuery(conversation.urls.updates, "after_message=" + lastMessageId + "&after_event=" + lastEventId);
      getJSON(url).then(function (res) {
        if (!res.ok) { return; }
        addItems(res.body.items, false);
        applyState(res.body.conversation);
      });
    }, 120);

    function applyState(state) {
      if (!state) { return; }
      var status = document.querySelector("[data-state-status]");
      if (status) {
        status.textContent = state.status_label;
        status.className = "pill status-" + state.status;
      }
      var snoozed = document.querySelector("[data-state-snoozed]");
      if (snoozed) {
        snoozed.hidden = !state.snoozed_until;
        snoozed.textContent = t("until", "until %(time)s").replace("%(time)s", state.snoozed_until_label || "");
      }
      var resolve = document.querySelector("[data-resolve]");
      if (resolve) {
        var resolved = state.status === "resolved";
        resolve.querySelector('input[name="status"]').value = resolved ? "open" : "resolved";
        var button = resolve.querySelector("button");
        button.textContent = resolved ? resolve.dataset.labelReopen : resolve.dataset.labelResolve;
        button.classList.toggle("primary", !resolved);
      }
      var createArticle = document.querySelector("[data-create-article]");
      if (createArticle) { createArticle.hidden = state.status !== "resolved"; }
      var me = document.querySelector("[data-assign-me] button");
      if (me) { me.hidden = state.assignee_id === config.user_id; }
      setSelect("[data-state-assignee]", state.assignee_id ? String(state.assignee_id) : "", state.assignee_name);
      setSelect("[data-state-team]", state.team_id ? String(state.team_id) : "", "");
      setSelect("[data-state-priority]", state.priority, "");
      renderTags(state.tags);
    }

    function setSelect(selector, value, label) {
      var select = document.querySelector(selector);
      if (!select || document.activeElement === select) { return; }
      var found = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
      if (!found && value) {
        var option = el("option", null, label || value);
        option.value = value;
        select.appendChild(option);
      }
      select.value = value;
    }

    function renderTags(tags) {
      var holder = document.querySelector("[data-tag-chips]");
      if (!holder) { return; }
      var current = Array.prototype.map.call(holder.querySelectorAll('input[name="tag"]'), function (i) { return i.value; });
      if (current.join(",") === tags.join(",")) { return; }
      holder.textContent = "";
      tags.forEach(function (tag) {
        var form = el("form", "tag-chip");
        form.method = "post";
        form.setAttribute("action", holder.dataset.action);
        form.setAttribute("data-ajax", "");
        [["csrfmiddlewaretoken", csrfToken()], ["op", "remove"], ["tag", tag]].forEach(function (pair) {
          var input = el("input");
          input.type = "hidden";
          input.name = pair[0];
          input.value = pair[1];
          form.appendChild(input);
        });
        form.appendChild(el("span", "tag", tag));
        var x = el("button", "chip-x", "×");
        x.type = "submit";
        x.setAttribute("aria-label", t("removeTag", "Remove tag") + " " + tag);
        form.appendChild(x);
        holder.appendChild(form);
      });
    }

    // typing, both ways
    function showTyping(ev) {
      clearTimeout(typingClear);
      if (!ev.on) { typingEl.textContent = ""; return; }
      typingEl.textContent = ev.actor === "contact"
        ? t("customerTyping", "Customer is typing…")
        : t("agentTyping", "%(name)s is typing…").replace("%(name)s", ev.name || "");
      // A lost "stopped" event must not leave the indicator on for ever.
      typingClear = setTimeout(function () { typingEl.textContent = ""; }, 8000);
    }
    function clearTyping() { clearTimeout(typingClear); typingEl.textContent = ""; }

    var typingOn = false;
    var typingSentAt = 0;
    var stopTyping = debounce(function () { setTyping(false); }, 3000);
    function isNote() {
      var checked = composer.querySelector('input[name="note"]:checked');
      return !!(checked && checked.value);
    }
    function setTyping(on) {
      if (on === typingOn && (!on || Date.now() - typingSentAt < 4000)) { return; }
      typingOn = on;
      typingSentAt = Date.now();
      send({ type: "typing", conversation_id: conversation.id, on: on, private: isNote() });
    }

    function setMode(note) {
      var radio = composer.querySelector('input[data-mode="' + (note ? "note" : "reply") + '"]');
      if (radio) { radio.checked = true; }
      syncMode();
    }
    function syncMode() {
      var note = isNote();
      if (typingOn) { setTyping(false); }
      composer.classList.toggle("note-mode", note);
      textarea.placeholder = note ? textarea.dataset.placeholderNote : textarea.dataset.placeholderReply;
    }
    composer.addEventListener("change", function (e) {
      if (e.target.name === "note") { syncMode(); textarea.focus(); }
    });
    syncMode();

    textarea.addEventListener("input", function () {
      if (textarea.value.trim()) { setTyping(true); stopTyping(); } else { setTyping(false); }
      canned.update();
    });
    textarea.addEventListener("keydown", function (e) {
      if (canned.handleKey(e)) { return; }
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        composer.requestSubmit();
      } else if (e.key === "Escape") {
        textarea.blur();
      }
    });
    textarea.addEventListener("blur", function () { setTimeout(canned.close, 150); });

    function afterSend(body) {
      textarea.value = "";
      var key = composer.querySelector("[data-idempotency]");
      if (key) { key.value = newKey(); }
      var files = composer.querySelector('input[type="file"]');
      if (files) { files.value = ""; }
      setTyping(false);
      if (body.message) { addItems([body.message], true); }
      fetchUpdates();
    }

    // canned replies: "/shortcut" at the caret opens a small list
    var canned = (function () {
      var popup = composer.querySelector("[data-canned-popup]");
      var cache = {};
      var matches = [];
      var selected = 0;
      var token = null;

      function currentToken() {
        var caret = textarea.selectionStart;
        if (caret !== textarea.selectionEnd) { return null; }
        var before = textarea.value.slice(0, caret);
        var m = before.match(/(^|\s)\/([\w-]*)$/);
        return m ? { start: caret - m[2].length - 1, end: caret, prefix: m[2].toLowerCase() } : null;
      }

      function render() {
        popup.textContent = "";
        if (!matches.length) {
          popup.appendChild(el("li", "canned-empty", t("noMatches", "")));
        }
        matches.forEach(function (r, i) {
          var li = el("li");
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", i === selected ? "true" : "false");
          li.appendChild(el("span", "canned-key", "/" + r.shortcut));
          li.appendChild(el("span", "canned-text", r.content));
          li.addEventListener("mousedown", function (e) { e.preventDefault(); insert(r); });
          popup.appendChild(li);
        });
        popup.hidden = false;
        var active = popup.querySelector('[aria-selected="true"]');
        if (active && active.scrollIntoView) { active.scrollIntoView({ block: "nearest" }); }
      }

      function load(prefix) {
        if (cache[prefix]) { return Promise.resolve(cache[prefix]); }
        return getJSON(withQuery(config.canned_json, "q=" + encodeURIComponent(prefix))).then(function (res) {
          cache[prefix] = res.ok ? res.body.replies : [];
          return cache[prefix];
        });
      }

      var update = debounce(function () {
        token = currentToken();
        if (!token) { close(); return; }
        var wanted = token.prefix;
        load(wanted).then(function (replies) {
          if (!token || token.prefix !== wanted) { return; }
          matches = replies;
          selected = 0;
          render();
        });
      }, 60);

      function close() { popup.hidden = true; matches = []; token = null; }

      function insert(reply) {
        var tok = currentToken() || token;
        if (!tok) { return; }
        var value = textarea.value;
        textarea.value = value.slice(0, tok.start) + reply.content + value.slice(tok.end);
        var caret = tok.start + reply.content.length;
        textarea.setSelectionRange(caret, caret);
        textarea.focus();
        close();
      }

      function handleKey(e) {
        if (popup.hidden) { return false; }
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          if (!matches.length) { return false; }
          e.preventDefault();
          selected = (selected + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
          render();
          return true;
        }
        if ((e.key === "Enter" || e.key === "Tab") && !e.ctrlKey && !e.metaKey && matches.length) {
          e.preventDefault();
          insert(matches[selected]);
          return true;
        }
        if (e.key === "Escape") {
          e.preventDefault();
          close();
          return true;
        }
        return false;
      }

      return { update: update, close: close, handleKey: handleKey };
    })();

    var markReadSoon = debounce(function () {
      if (document.visibilityState !== "visible") { pendingRead = true; return; }
      pendingRead = false;
      fetch(conversation.urls.read, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() }
      });
    }, 400);
    var pendingRead = false;
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && pendingRead) { markReadSoon(); }
    });

    var toggle = document.querySelector("[data-toggle-contact]");
    if (toggle) {
      toggle.addEventListener("click", function () { main.classList.toggle("contact-open"); });
    }

    function insertText(text) {
      setMode(false);
      var start = textarea.selectionStart || 0;
      var end = textarea.selectionEnd || 0;
      var value = textarea.value;
      if (document.activeElement !== textarea) { start = end = value.length; }
      var before = value.slice(0, start);
      var sep = before && !/\n\s*$/.test(before) ? "\n\n" : "";
      textarea.value = before + sep + text + value.slice(end);
      var caret = (before + sep + text).length;
      textarea.focus();
      textarea.setSelectionRange(caret, caret);
    }

    return {
      insertText: insertText,
      fetchUpdates: fetchUpdates,
      applyState: applyState,
      afterSend: afterSend,
      showTyping: showTyping,
      clearTyping: clearTyping,
      markReadSoon: markReadSoon,
      setMode: setMode,
      focusComposer: function () { textarea.focus(); }
    };
  }

  // --- forms sent with fetch -------------------------------------------------------------
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || !(form.matches("[data-ajax]") || form.matches("[data-composer]"))) { return; }
    e.preventDefault();
    var tz = form.querySelector("[data-tz-offset]");
    if (tz) { tz.value = String(-new Date().getTimezoneOffset()); }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    postForm(form, e.submitter && e.submitter.name ? e.submitter : null).then(function (res) {
      if (!res.ok) { toast(errorMessage(res.body), true); return; }
      var menu = form.closest("details");
      if (menu) { menu.removeAttribute("open"); }
      if (form.matches("[data-composer]") && conversationView) { conversationView.afterSend(res.body); return; }
      if (form.matches("[data-tag-add]")) { form.querySelector('input[name="tag"]').value = ""; }
      if (res.body.notice) { toast(res.body.notice, false); }
      if (res.body.message && typeof res.body.message === "object" && conversationView) { conversationView.fetchUpdates(); }
      if (res.body.conversation && conversationView) {
        conversationView.applyState(res.body.conversation);
        conversationView.fetchUpdates();
      }
      var saved = form.querySelector("[data-saved]");
      if (saved) {
        saved.hidden = false;
        setTimeout(function () { saved.hidden = true; }, 2000);
      }
    }).catch(function () {
      toast(t("error", "Error"), true);
    }).finally(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  });

  document.addEventListener("change", function (e) {
    var select = e.target.closest("[data-ajax-autosubmit]");
    if (select && select.form) { select.form.requestSubmit(); }
  });

  // --- keyboard shortcuts --------------------------------------------------------------
  function typingInField(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function moveInList(step) {
    if (!list) { return; }
    var rows = Array.prototype.slice.call(list.querySelectorAll(".conv-row"));
    if (!rows.length) { return; }
    var current = list.querySelector(".conv-row.active") || list.querySelector(".conv-row.keyboard-focus");
    var index = current ? rows.indexOf(current) + step : 0;
    index = Math.max(0, Math.min(rows.length - 1, index));
    var target = rows[index];
    if (target && target !== list.querySelector(".conv-row.active")) {
      target.querySelector("a").click();
    }
  }

  function submitIfVisible(selector) {
    var form = document.querySelector(selector);
    var button = form && form.querySelector("button");
    if (form && button && !button.hidden) { form.requestSubmit(button); }
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) { return; }
    if (typingInField(e.target)) { return; }
    var dialog = document.getElementById("shortcuts-help");
    if (dialog && dialog.open) { return; }
    switch (e.key) {
      case "j": moveInList(1); break;
      case "k": moveInList(-1); break;
      case "r":
        if (!conversationView) { return; }
        conversationView.setMode(false);
        conversationView.focusComposer();
        break;
      case "n":
        if (!conversationView) { return; }
        conversationView.setMode(true);
        conversationView.focusComposer();
        break;
      case "a": submitIfVisible("[data-assign-me]"); break;
      case "e": submitIfVisible("[data-resolve]"); break;
      case "/":
        var search = document.querySelector("[data-search]");
        if (!search) { return; }
        search.focus();
        search.select();
        break;
      case "?": openShortcuts(); break;
      default: return;
    }
    e.preventDefault();
  });

  if ("WebSocket" in window) { connect(); }
})();

/*
 * Building blocks of the chat frame (frame.js): storage, text and DOM helpers, the HTTP
 * client. Everything user-supplied becomes text nodes; links only for http(s) URLs.
 */

export function readJson(id) {
  var node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : {};
}

/* localStorage under one prefix per widget, falling back to memory where the browser
   refuses storage (some privacy modes, blocked third-party storage). */
export function createStore(prefix) {
  var memory = {};
  return {
    get: function (key, fallback) {
      try {
        var raw = window.localStorage.getItem(prefix + key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (e) {
        return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : fallback;
      }
    },
    set: function (key, value) {
      memory[key] = value;
      try { window.localStorage.setItem(prefix + key, JSON.stringify(value)); } catch (e) { /* memory only */ }
    },
    del: function (key) {
      delete memory[key];
      try { window.localStorage.removeItem(prefix + key); } catch (e) { /* memory only */ }
    }
  };
}

/* Strings come from the server's catalogue with Python-style %(name)s placeholders. */
export function makeFormatter(strings) {
  return function fmt(key, params) {
    var text = strings[key] || key;
    return text.replace(/%\((\w+)\)s/g, function (match, name) {
      return params && params[name] !== undefined && params[name] !== null ? String(params[name]) : match;
    });
  };
}

export function el(tag, cls, text) {
  var node = document.createElement(tag);
  if (cls) { node.className = cls; }
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  return node;
}

export function uuid() {
  if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
  // randomUUID needs a secure context; getRandomValues works everywhere.
  var b = new Uint8Array(16);
  window.crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
}

export function makeTimeText(locale) {
  return function timeText(iso, withDate) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    var opts = withDate ? {month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"} : {hour: "2-digit", minute: "2-digit"};
    try { return d.toLocaleString(locale, opts); } catch (e) { return d.toISOString(); }
  };
}

/* Length as the server counts it (code points, not UTF-16 units). */
export function codePoints(text) { return Array.from ? Array.from(text).length : text.length; }

var URL_RE = /\bhttps?:\/\/[^\s<>"']+/g;
export function appendText(parent, text) {
  var source = String(text || "");
  var last = 0;
  source.replace(URL_RE, function (match, offset) {
    var url = match.replace(/[.,;:!?)\]}'"]+$/, "");
    parent.appendChild(document.createTextNode(source.slice(last, offset)));
    var a = el("a", "", url);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    parent.appendChild(a);
    last = offset + url.length;
    return match;
  });
  parent.appendChild(document.createTextNode(source.slice(last)));
}

export function attachmentsEl(list, fallbackName) {
  var box = el("div", "bdw-atts");
  list.forEach(function (att) {
    var link = el("a", "bdw-file");
    link.href = att.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    if (/^image\//.test(att.content_type || "")) {
      var img = el("img", "bdw-thumb");
      img.src = att.url;
      img.alt = att.filename || fallbackName;
      img.loading = "lazy";
      link.className = "";
      link.appendChild(img);
    } else {
      link.textContent = "\uD83D\uDCC4 " + (att.filename || fallbackName);
    }
    if (/^audio\//.test(att.content_type || "")) {  // a voice message from the agent
      var player = el("audio", "bdw-audio");
      player.controls = true;
      player.preload = "metadata";
      player.src = att.url;
      box.appendChild(player);
    }
    box.appendChild(link);
  });
  return box;
}

export function messageEl(m, strings, timeText) {
  var kind = m.mine ? "bdw-mine" : (m.sender_type === "system" ? "bdw-system" : "bdw-theirs");
  var node = el("div", "bdw-msg " + kind);
  node.setAttribute("data-id", String(m.id));
  if (!m.mine && m.sender_type !== "system") { node.appendChild(el("div", "bdw-sender", m.sender_name || strings.support)); }
  var text = el("div", "bdw-text");
  appendText(text, m.content);
  node.appendChild(text);
  if (m.attachments && m.attachments.length) { node.appendChild(attachmentsEl(m.attachments, strings.attachment)); }
  var meta = el("div", "bdw-meta");
  var time = el("time", "", timeText(m.created_at));
  time.dateTime = m.created_at || "";
  meta.appendChild(time);
  node.appendChild(meta);
  return node;
}

/* fetch() against the widget API. Rejects with an Error carrying `status` (0 when the
   network failed), the server's error `code` and `retryAfter` seconds (429). */
export function makeApi(base, getToken, strings) {
  return function api(method, path, body, isForm) {
    var headers = {"Accept": "application/json"};
    var token = getToken();
    if (token) { headers.Authorization = "Bearer " + token; }
    var opts = {method: method, headers: headers, credentials: "omit", cache: "no-store"};
    if (body !== undefined) {
      if (isForm) { opts.body = body; } else { headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    }
    return window.fetch(base + path, opts).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (res.ok) { return data; }
        var info = (data && data.error) || {};
        var err = new Error(info.message || strings.server_error);
        err.status = res.status;
        err.code = info.code || "";
        err.retryAfter = parseInt(res.headers.get("Retry-After") || "0", 10) || 0;
        throw err;
      });
    }, function () {
      var err = new Error(navigator.onLine === false ? strings.offline : strings.server_error);
      err.status = 0;
      throw err;
    });
  };
}

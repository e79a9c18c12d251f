/*!
 * Blockdesk chat widget loader. Embed with:
 *   <script src="https://support.example.com/widget/loader.js" data-blockdesk-inbox="TOKEN" async></script>
 * It adds a launcher button and an iframe with the chat (served by Blockdesk, so the
 * page's styles and scripts cannot reach into it). Everything lives in one
 * shadow root; no globals are defined and no inline styles are written.
 */
(function () {
  "use strict";

  // Replaced by the server with the stylesheet path and the strings in every language.
  var CONFIG = /*BLOCKDESK_CONFIG*/null;
  if (!CONFIG) { CONFIG = {css: "/static/widget/launcher.css", languages: ["en"], strings: {en: {}}}; }

  var TOKEN_RE = /^[A-Za-z0-9_-]{8,64}$/;
  var script = document.currentScript;
  if (!script || !script.getAttribute("data-blockdesk-inbox")) {
    // currentScript is unset in some old browsers; find our tag that is not booted yet.
    var tags = document.querySelectorAll("script[data-blockdesk-inbox]:not([data-blockdesk-booted])");
    script = tags.length ? tags[tags.length - 1] : null;
  }
  if (!script || script.hasAttribute("data-blockdesk-booted")) { return; }
  script.setAttribute("data-blockdesk-booted", "");
  var token = script.getAttribute("data-blockdesk-inbox") || "";
  if (!TOKEN_RE.test(token)) { return; }
  var origin = new URL(script.src, window.location.href).origin;

  function pickLanguage() {
    var wanted = script.getAttribute("data-blockdesk-lang");
    var list = wanted ? [wanted] : (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"]);
    for (var i = 0; i < list.length; i++) {
      var tag = String(list[i] || "").toLowerCase();
      if (tag.indexOf("zh") === 0) { return "zh-hans"; }
      if (tag.indexOf("en") === 0) { return "en"; }
    }
    return "en";
  }
  var lang = pickLanguage();
  function t(key) {
    var table = CONFIG.strings[lang] || CONFIG.strings.en || {};
    return table[key] || (CONFIG.strings.en || {})[key] || key;
  }

  var SVG = "http://www.w3.org/2000/svg";
  function icon(cls, path) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "bd-icon " + cls);
    svg.setAttribute("aria-hidden", "true");
    var p = document.createElementNS(SVG, "path");
    p.setAttribute("d", path);
    svg.appendChild(p);
    return svg;
  }

  function boot() {
    // An element name of our own: page rules written for div and friends do not hit it.
    var host = document.createElement("blockdesk-widget");
    host.setAttribute("data-blockdesk-widget", "");
    // Hidden until our stylesheet arrives, so the page never shows an unstyled frame.
    host.style.setProperty("display", "none", "important");
    var root = host.attachShadow ? host.attachShadow({mode: "open"}) : host;

    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = origin + CONFIG.css;
    link.addEventListener("load", function () { host.style.removeProperty("display"); });
    link.addEventListener("error", function () {
      // The page's CSP refused our stylesheet: fall back to the few properties that
      // matter, set through the CSSOM (allowed by any CSP).
      host.style.removeProperty("display");
      host.style.position = "fixed";
      host.style.right = "20px";
      host.style.bottom = "20px";
      host.style.zIndex = "2147483000";
      panel.style.width = "360px";
      panel.style.height = "560px";
      panel.style.marginBottom = "12px";
      frame.style.width = "100%";
      frame.style.height = "100%";
      frame.style.border = "0";
    });
    root.appendChild(link);

    var wrap = document.createElement("div");
    wrap.className = "bd-wrap";

    var panel = document.createElement("div");
    panel.className = "bd-panel";
    panel.hidden = true;

    var frame = document.createElement("iframe");
    frame.className = "bd-frame";
    frame.title = t("title");
    // Camera and microphone for calls with an agent (the frame's own Permissions-Policy
    // allows them for itself only; the browser still asks the customer).
    frame.setAttribute("allow", "clipboard-write; camera; microphone");
    frame.src = origin + "/widget/frame/" + encodeURIComponent(token) + "/?lang=" +
      encodeURIComponent(lang) + "&origin=" + encodeURIComponent(window.location.origin);
    panel.appendChild(frame);

    var button = document.createElement("button");
    button.type = "button";
    button.className = "bd-launcher";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-label", t("open"));
    button.title = t("open");
    button.appendChild(icon("bd-icon-chat", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"));
    button.appendChild(icon("bd-icon-close", "M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z"));
    var badge = document.createElement("span");
    badge.className = "bd-badge";
    badge.hidden = true;
    button.appendChild(badge);

    wrap.appendChild(panel);
    wrap.appendChild(button);
    root.appendChild(wrap);
    document.body.appendChild(host);

    var isOpen = false;
    var frameLoaded = false;

    // Text the page hands over (a help-center search), put into the composer on open.
    var prefill = script.getAttribute("data-blockdesk-prefill") || "";

    function post(type) {
      if (frameLoaded && frame.contentWindow) {
        var msg = {blockdesk: 1, type: type};
        if (type === "open" && prefill) { msg.prefill = prefill.slice(0, 2000); prefill = ""; }
        frame.contentWindow.postMessage(msg, origin);
      }
    }
    function setOpen(open) {
      isOpen = open;
      panel.hidden = !open;
      wrap.classList.toggle("bd-open", open);
      if (open) { host.setAttribute("data-blockdesk-open", ""); } else { host.removeAttribute("data-blockdesk-open"); }
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.setAttribute("aria-label", open ? t("close") : t("open"));
      button.title = open ? t("close") : t("open");
      if (open) { badge.hidden = true; }
      post(open ? "open" : "close");
    }

    button.addEventListener("click", function () { setOpen(!isOpen); });
    // The host page may open the chat itself ("Still need help?"), with a message to carry over.
    document.addEventListener("blockdesk:open", function (event) {
      var detail = event && event.detail;
      if (detail && typeof detail.message === "string" && detail.message.trim()) {
        prefill = detail.message.trim();
      }
      setOpen(true);
    });
    frame.addEventListener("load", function () {
      frameLoaded = true;
      if (isOpen) { post("open"); }
    });

    window.addEventListener("message", function (event) {
      // Only our own frame may talk to us.
      if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
      var data = event.data;
      if (!data || data.blockdesk !== 1) { return; }
      if (data.type === "close") {
        setOpen(false);
        button.focus();
      } else if (data.type === "unread") {
        var count = Math.max(0, parseInt(data.count, 10) || 0);
        badge.textContent = count > 9 ? "9+" : String(count);
        badge.hidden = isOpen || count === 0;
        if (count && !isOpen) { button.setAttribute("aria-label", t("open") + " (" + t("unread") + ")"); }
      } else if (data.type === "theme" && /^#[0-9a-fA-F]{6}$/.test(String(data.color || ""))) {
        host.style.setProperty("--bd-accent", data.color);
      } else if (data.type === "lang" && CONFIG.strings[data.lang]) {
        lang = data.lang;
        frame.title = t("title");
        setOpen(isOpen);
      }
    });
  }

  if (document.body) { boot(); } else { document.addEventListener("DOMContentLoaded", boot); }
})();

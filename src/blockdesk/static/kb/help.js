// Help center: results as you type, and "still need help?" opening the chat widget.
// The page works without this file; everything built here uses textContent.
(function () {
  "use strict";
  var STORE = "blockdesk-help-query";
  var form = document.querySelector("form.help-search");
  var input = document.getElementById("help-q");
  var list = document.getElementById("help-suggest");
  var i18n = document.getElementById("help-i18n");

  function remember(q) {
    try { if (q) { window.sessionStorage.setItem(STORE, q); } } catch (e) { /* storage off */ }
  }
  function recalled() {
    try { return window.sessionStorage.getItem(STORE) || ""; } catch (e) { return ""; }
  }

  if (form && input && list) {
    var timer = null;
    var seq = 0;
    var hide = function () {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    };
    var show = function (results, query) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "help-suggest-note";
        none.textContent = i18n ? i18n.getAttribute("data-no-results") : "";
        list.appendChild(none);
      }
      results.forEach(function (r) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        var a = document.createElement("a");
        a.href = r.url;
        a.textContent = r.title;
        if (r.label) {
          // Not an article: say where it comes from ("Community answer").
          var badge = document.createElement("span");
          badge.className = "badge badge-" + (r.kind || "other");
          badge.textContent = r.label;
          li.appendChild(badge);
          li.appendChild(document.createTextNode(" "));
        }
        a.addEventListener("click", function () { remember(query); });
        if (r.snippet && r.snippet !== r.title) {
          var small = document.createElement("small");
          small.textContent = r.snippet.length > 140 ? r.snippet.slice(0, 140) + "…" : r.snippet;
          a.appendChild(small);
        }
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    };
    var lookup = function () {
      var q = input.value.trim();
      if (q.length < 2) { hide(); return; }
      var mine = ++seq;
      var url = form.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(q);
      fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) { if (mine === seq) { show(data.results || [], q); } })
        .catch(hide);
    };
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 180);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { hide(); }
      if (e.key === "ArrowDown" && !list.hidden) {
        var first = list.querySelector("a");
        if (first) { e.preventDefault(); first.focus(); }
      }
    });
    list.addEventListener("keydown", function (e) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var at = links.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && at < links.length - 1) { e.preventDefault(); links[at + 1].focus(); }
      if (e.key === "ArrowUp") { e.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
      if (e.key === "Escape") { hide(); input.focus(); }
    });
    document.addEventListener("click", function (e) {
      if (!form.contains(e.target)) { hide(); }
    });
    form.addEventListener("submit", function () { remember(input.value.trim()); });
  }

  // "Still need help?": the chat widget listens for this event (bubbles to window) and
  // opens with detail.message prefilled. The search query comes from this page or the
  // last search in this tab.
  document.querySelectorAll("[data-open-chat]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var message = button.getAttribute("data-message") || recalled();
      document.dispatchEvent(new CustomEvent("blockdesk:open", {
        bubbles: true,
        detail: {message: message}
      }));
    });
  });
})();

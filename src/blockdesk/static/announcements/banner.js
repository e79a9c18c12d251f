// Banner dismissal remembered per browser (localStorage); the form POST is the fallback
// without JavaScript (a cookie). No inline script: this file is loaded by the pages.
(function () {
  "use strict";
  var KEY = "bd-dismissed-banners";
  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(ids) {
    try { window.localStorage.setItem(KEY, JSON.stringify(ids.slice(-50))); } catch (e) { /* private mode */ }
  }
  var dismissed = load();
  document.querySelectorAll("[data-bd-banner]").forEach(function (banner) {
    var id = banner.getAttribute("data-bd-banner");
    if (dismissed.indexOf(id) !== -1) { banner.hidden = true; return; }
    var form = banner.querySelector("form");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      dismissed.push(id);
      save(dismissed);
      banner.hidden = true;
    });
  });
})();

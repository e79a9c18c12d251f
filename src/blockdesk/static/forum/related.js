/* "Already asked?": while the title is typed, list similar questions (forum:related). The
   form works without it; results are inserted as text, never as HTML. */
(function () {
  var input = document.getElementById("ask-title");
  var box = document.getElementById("ask-related");
  if (!input || !box || !window.fetch) { return; }
  var list = box.querySelector("ul");
  var timer = null;
  var last = "";
  function show(results) {
    list.textContent = "";
    results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = r.url;
      a.textContent = r.title + (r.accepted ? " \u2714" : "");
      li.appendChild(a);
      list.appendChild(li);
    });
    box.hidden = results.length === 0;
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 4 || q === last) { if (q.length < 4) { show([]); } return; }
      last = q;
      window.fetch(input.dataset.relatedUrl + "?q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (res) { return res.ok ? res.json() : {results: []}; })
        .then(function (data) { show(data.results || []); }, function () { show([]); });
    }, 250);
  });
})();

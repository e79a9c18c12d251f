/*
 * The assistant in the agent workspace: under each assistant message, the article and
 * confidence that produced it, and "Wrong answer?" → pick the right article → saved as
 * a correction (training data). Classic script, loaded before app.js, which calls
 * BlockdeskAssistant.meta(m) for messages that arrive live; server-rendered messages
 * carry the same markup. Text only (textContent); links only http(s).
 */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function fmt(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_, k) {
      return values[k] === undefined ? "" : String(values[k]);
    }).replace(/%%/g, "%");
  }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Builds the same markup as templates/assistant/_message_meta.html from the JSON.
  // The handoff note's technical lines, folded (templates/assistant/_message_meta.html).
  function details(info) {
    var box = el("details", "asst-details");
    box.setAttribute("data-assistant-details", "");
    box.appendChild(el("summary", null, (info.labels || {}).details));
    var list = el("ul");
    (info.details || []).forEach(function (line) { list.appendChild(el("li", null, line)); });
    box.appendChild(list);
    return box;
  }

  function meta(m) {
    var info = m && m.assistant;
    if (!info) { return null; }
    if (info.kind === "handoff_note") { return details(info); }
    var L = info.labels || {};
    var box = el("div", "asst-meta");
    box.setAttribute("data-assistant-meta", "");
    box.dataset.articlesUrl = info.articles_url;
    box.dataset.correctUrl = info.correct_url;
    box.dataset.lShouldBe = L.should_be || "";
    box.dataset.lSave = L.save || "";
    box.dataset.lCancel = L.cancel || "";
    box.dataset.lSaved = L.saved || "";
    box.dataset.lFailed = L.failed || "";
    var source = el("span", "asst-source");
    if (info.article_title) {
      source.appendChild(document.createTextNode((L.from_article || "") + " "));
      if (/^https?:\/\//i.test(info.article_url || "")) {
        var a = el("a", null, info.article_title);
        a.href = info.article_url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        source.appendChild(a);
      } else {
        source.appendChild(document.createTextNode(info.article_title));
      }
    } else {
      source.textContent = info.action_label || "";
    }
    box.appendChild(source);
    box.appendChild(el("span", "asst-confidence", fmt(L.confidence, {pct: info.confidence_pct})));
    if (info.generated) { box.appendChild(el("span", "asst-generated", L.generated)); }
    if (info.corrected_to) {
      box.appendChild(el("span", "asst-corrected", fmt(L.corrected_to, {key: info.corrected_to})));
    }
    if (info.can_correct) {
      var button = el("button", "link asst-wrong", L.wrong);
      button.type = "button";
      button.setAttribute("data-assistant-correct", "");
      box.appendChild(button);
    }
    return box;
  }

  function openPicker(box, trigger) {
    if (box.querySelector(".asst-picker")) { return; }
    trigger.disabled = true;
    var form = el("form", "asst-picker");
    var label = el("label", null, box.dataset.lShouldBe);
    var select = el("select");
    select.name = "correct_key";
    select.required = true;
    label.appendChild(select);
    form.appendChild(label);
    var save = el("button", "button small primary", box.dataset.lSave);
    save.type = "submit";
    var cancel = el("button", "link", box.dataset.lCancel);
    cancel.type = "button";
    var status = el("span", "asst-status");
    status.setAttribute("role", "status");
    form.appendChild(save);
    form.appendChild(cancel);
    form.appendChild(status);
    box.appendChild(form);
    cancel.addEventListener("click", function () { form.remove(); trigger.disabled = false; });
    fetch(box.dataset.articlesUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(); } return r.json(); })
      .then(function (data) {
        data.articles.forEach(function (a) {
          var option = el("option", null, a.title + " (" + a.key + ")");
          option.value = a.key;
          select.appendChild(option);
        });
        select.focus();
      })
      .catch(function () { status.textContent = box.dataset.lFailed; });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = new FormData();
      body.append("correct_key", select.value);
      save.disabled = true;
      fetch(box.dataset.correctUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {Accept: "application/json", "X-CSRFToken": csrf()}
      }).then(function (r) { return r.json().then(function (d) { return {ok: r.ok, data: d}; }); })
        .then(function (res) {
          if (!res.ok) { throw new Error((res.data.error && res.data.error.message) || ""); }
          form.remove();
          trigger.remove();
          box.appendChild(el("span", "asst-corrected", box.dataset.lSaved));
        })
        .catch(function (err) {
          save.disabled = false;
          status.textContent = err.message || box.dataset.lFailed;
        });
    });
  }

  document.addEventListener("click", function (e) {
    var trigger = e.target.closest ? e.target.closest("[data-assistant-correct]") : null;
    if (!trigger) { return; }
    var box = trigger.closest("[data-assistant-meta]");
    if (box) { openPicker(box, trigger); }
  });

  window.BlockdeskAssistant = {meta: meta};
})();

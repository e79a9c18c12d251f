/*
 * The case's service record in the chat frame (docs/records.md): shown with the timeline,
 * the recorded steps with their time, a link to the public record page and the receipt
 * download. Fetched from the widget API (`conversations/<id>/record`), which answers only
 * for the visitor's own case. Text only (textContent); links are the server's own paths.
 */
import { el, makeFormatter } from "../widget/frame-lib.js";

export function createRecord(opts) {
  var T = opts.strings || {};
  var fmt = makeFormatter(T);
  var box = opts.box;
  var inert = {load: function () {}, clear: function () {}};
  if (!box) { return inert; }
  var token = 0;

  function label(step) {
    if (step.kind === "opened") { return T.rec_opened; }
    if (step.kind === "assigned") { return step.assigned ? T.rec_assigned : T.rec_unassigned; }
    if (step.kind === "reply") { return step.by === "assistant" ? T.rec_reply_assistant : T.rec_reply_agent; }
    if (step.kind === "resolved") { return T.status_resolved; }
    if (step.kind === "status") { return fmt("rec_status", {status: T["status_" + step.status] || step.status}); }
    return T.rec_other;
  }
  function link(text, href, download) {
    var a = el("a", "bdw-record-link", text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    if (download) { a.setAttribute("download", ""); }
    return a;
  }
  function render(rec) {
    box.textContent = "";
    box.appendChild(el("h3", "bdw-record-title", T.rec_title));
    if (!rec) {
      box.appendChild(el("p", "bdw-record-note", T.rec_none));
      box.hidden = false;
      return;
    }
    if (rec.erased) {
      box.appendChild(el("p", "bdw-record-note", T.rec_erased));
    } else {
      box.appendChild(el("p", "bdw-record-note", T.rec_intro));
      var list = el("ol", "bdw-record-steps");
      rec.steps.forEach(function (step) {
        var li = el("li");
        li.setAttribute("data-kind", step.kind);
        var time = el("time", "", opts.timeText(step.at, true));
        time.dateTime = step.at || "";
        li.appendChild(time);
        li.appendChild(document.createTextNode(label(step)));
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    var links = el("p", "bdw-record-links");
    links.appendChild(link(T.rec_view, rec.page_url, false));
    if (rec.receipt_url) { links.appendChild(link(T.rec_download, rec.receipt_url, true)); }
    box.appendChild(links);
    box.hidden = false;
  }

  return {
    load: function (convId) {
      var mine = ++token;
      return opts.api("GET", "conversations/" + convId + "/record").then(function (data) {
        if (mine === token) { render(data && data.record); }
      }, function () {
        if (mine === token) { box.hidden = true; }
      });
    },
    clear: function () {
      token++;
      box.textContent = "";
      box.hidden = true;
    }
  };
}

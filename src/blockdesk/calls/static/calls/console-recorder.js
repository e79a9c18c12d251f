/*
 * Records a call in the agent's console, only when the customer agreed (the server says
 * so in call.ring / call.accepted, and checks it again on upload): both sides' audio is
 * mixed with Web Audio into one stream, MediaRecorder records it (WebM/Opus in Chromium
 * and Firefox, MP4/AAC in Safari; video calls are recorded as audio only), and the file
 * is uploaded in one POST when the call ends. A withdrawn consent stops the recorder and
 * throws away what it had; nothing is sent.
 */

var BITS_PER_SECOND = 32000;  // speech; ~18 MB an hour with the container (docs/calls.md)
var TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

function fmt(text, values) {
  return String(text || "").replace(/%\(([a-z_]+)\)s/g, function (m, k) { return values && k in values ? String(values[k]) : m; });
}

function csrfToken() {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) { return meta.content; }
  var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

/* opts: uploadUrl(callId), maxBytes, notice(text), strings. */
export function createRecorder(opts) {
  var T = opts.strings || {};
  var Ctx = window.AudioContext || window.webkitAudioContext;
  var active = null;

  function mimeType() {
    for (var i = 0; i < TYPES.length; i++) {
      if (window.MediaRecorder.isTypeSupported(TYPES[i])) { return TYPES[i]; }
    }
    return "";
  }

  function upload(rec) {
    var type = (rec.recorder.mimeType || "audio/webm").split(";")[0];
    var form = new FormData();
    form.append("recording", new Blob(rec.chunks, {type: type}), "call-" + rec.id);
    rec.chunks = [];
    fetch(opts.uploadUrl(rec.id), {
      method: "POST", body: form, credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), Accept: "application/json"}
    }).then(function (r) {
      return r.json().then(function (body) { return {ok: r.ok, body: body}; });
    }).then(function (res) {
      var reason = res.body && res.body.error ? res.body.error.message : "";
      opts.notice(res.ok ? T.recording_saved : fmt(T.recording_failed, {reason: reason}));
    }).catch(function () { opts.notice(fmt(T.recording_failed, {reason: ""})); });
  }

  function start(call) {
    if (!call.consent || active || !Ctx || !window.MediaRecorder || !call.stream || !call.remote) { return; }
    var ctx = new Ctx();
    var mix = ctx.createMediaStreamDestination();
    [call.stream, call.remote].forEach(function (s) {
      var tracks = s.getAudioTracks();
      if (tracks.length) { ctx.createMediaStreamSource(new MediaStream(tracks)).connect(mix); }
    });
    var type = mimeType();
    var options = {audioBitsPerSecond: BITS_PER_SECOND};
    if (type) { options.mimeType = type; }
    var recorder;
    try { recorder = new MediaRecorder(mix.stream, options); } catch (e) { ctx.close(); return; }
    var rec = {id: call.id, ctx: ctx, recorder: recorder, chunks: [], size: 0, keep: true};
    active = rec;
    recorder.addEventListener("dataavailable", function (e) {
      if (!e.data || !e.data.size || !rec.keep) { return; }
      rec.chunks.push(e.data);
      rec.size += e.data.size;
      if (rec.size > opts.maxBytes) { stop(call, false); opts.notice(fmt(T.recording_failed, {reason: "size"})); }
    });
    recorder.addEventListener("stop", function () {
      ctx.close();
      if (rec.keep && rec.chunks.length) { upload(rec); } else { rec.chunks = []; }
    });
    ctx.resume().catch(function () { /* a suspended context still records silence */ });
    recorder.start(1000);  // a chunk a second: a crash loses little, memory stays flat
    opts.notice(T.recording_on);
  }

  function stop(call, keep) {
    if (!active || active.id !== call.id) { return; }
    var rec = active;
    active = null;
    rec.keep = rec.keep && keep && !!call.consent;
    if (!rec.keep) { rec.chunks = []; }
    if (rec.recorder.state !== "inactive") { rec.recorder.stop(); } else { rec.ctx.close(); }
  }

  return {
    start: start,
    finish: function (call) { stop(call, true); },
    discard: function (call) { stop(call, false); }
  };
}

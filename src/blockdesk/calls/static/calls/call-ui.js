/*
 * One-to-one WebRTC call between a widget customer and the assigned agent, shared by the
 * widget (widget-calls.js) and the console (console-calls.js). Signalling goes over the
 * page's existing socket as call.* frames (the server checks who may send each one and
 * passes offers, answers and ICE candidates to the other party only; nothing is stored).
 * Media flows browser to browser (or through the configured TURN server).
 * All text is set with textContent.
 */

function fmt(text, values) {
  return String(text || "").replace(/%\(([a-z_]+)\)s/g, function (m, k) { return values && k in values ? String(values[k]) : m; });
}

export function formatDuration(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  var mm = h ? String(m).padStart(2, "0") : String(m);
  return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
}

export function readStrings(doc) {
  var node = doc.getElementById("bd-call-strings");
  try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
}

/*
 * opts: send(frame) over the page's socket; side "customer" or "agent";
 * conversation() → the id on screen or null; root: the element holding the panel and
 * buttons. How long an unanswered call rings comes from the panel's data-ring-seconds.
 * Optional hooks (the console's recorder, console-recorder.js): onConnected(call) once
 * media flows (call.id, call.stream, call.remote, call.consent), onFinished(call) before
 * the tracks stop, onWithdrawn(call) when the customer takes back their consent.
 */
export function createCall(opts) {
  var root = opts.root;
  var T = opts.strings || {};
  var ringMs;
  function q(sel) { return root.querySelector(sel); }
  var ui = {
    buttons: q("[data-call-buttons]"), panel: q("[data-call-panel]"), status: q("[data-call-status]"),
    timer: q("[data-call-timer]"), videos: q("[data-call-videos]"), remote: q("[data-call-remote]"),
    local: q("[data-call-local]"), audio: q("[data-call-audio]"), notice: q("[data-call-recording-notice]"),
    consentBox: q("[data-call-consent-box]"), consent: q("[data-call-consent]"),
    consentLabel: q("[data-call-consent-label]"), accept: q("[data-call-accept]"),
    decline: q("[data-call-decline]"), mute: q("[data-call-mute]"), hangup: q("[data-call-hangup]"),
    withdraw: q("[data-call-withdraw]")
  };
  ringMs = (parseInt(ui.panel.dataset.ringSeconds, 10) || opts.ringSeconds || 45) * 1000;
  ui.accept.textContent = T.accept || "Accept";
  ui.decline.textContent = T.decline || "Decline";
  ui.hangup.textContent = T.hang_up || "Hang up";
  ui.mute.textContent = T.mute || "Mute";
  ui.consentLabel.textContent = T.recording_consent || "";
  if (ui.withdraw) { ui.withdraw.textContent = T.recording_withdraw || "Stop recording"; }

  var call = null;          // the call on screen
  var available = false;
  var recording = false;    // the account records calls when the customer agrees
  var askedFor = null;      // conversation id of the last availability question
  var timerId = null;

  function setState(state) {
    ui.panel.dataset.callState = state;
    root.dataset.callState = state;
  }
  function show(el, on) { if (el) { el.hidden = !on; } }
  function status(text) { ui.status.textContent = text || ""; }
  function renderButtons() {
    show(ui.buttons, available && !call && opts.conversation() !== null);
  }

  function cleanup() {
    if (call && opts.onFinished) { opts.onFinished(call); }
    if (call) {
      clearTimeout(call.ringTimer);
      if (call.pc) { try { call.pc.close(); } catch (e) { /* closed */ } }
      if (call.stream) { call.stream.getTracks().forEach(function (t) { t.stop(); }); }
    }
    clearInterval(timerId);
    timerId = null;
    ui.remote.srcObject = null;
    ui.local.srcObject = null;
    ui.audio.srcObject = null;
    call = null;
    [ui.accept, ui.decline, ui.mute, ui.hangup, ui.videos, ui.consentBox, ui.notice, ui.timer, ui.withdraw].forEach(function (e) { show(e, false); });
    renderButtons();
  }
  function finish(text) {
    cleanup();
    setState("ended");
    status(text);
    show(ui.panel, true);
  }

  function media(video) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return Promise.reject(new Error("no media")); }
    return navigator.mediaDevices.getUserMedia({audio: true, video: !!video});
  }

  function peer() {
    var pc = new RTCPeerConnection({iceServers: call.ice || []});
    var current = call;
    current.pending = [];
    current.stream.getTracks().forEach(function (t) { pc.addTrack(t, current.stream); });
    pc.addEventListener("icecandidate", function (e) {
      if (e.candidate && call === current) {
        opts.send({type: "call.ice", call_id: current.id, candidate: e.candidate.toJSON()});
      }
    });
    pc.addEventListener("track", function (e) {
      var stream = e.streams && e.streams[0] ? e.streams[0] : new MediaStream([e.track]);
      current.remote = stream;
      if (current.video) { ui.remote.srcObject = stream; } else { ui.audio.srcObject = stream; }
    });
    pc.addEventListener("connectionstatechange", function () {
      if (call !== current) { return; }
      if (pc.connectionState === "connected" && !current.connectedAt) {
        current.connectedAt = Date.now();
        setState("connected");
        status(T.connected);
        show(ui.timer, true);
        ui.timer.textContent = formatDuration(0);
        timerId = setInterval(function () {
          ui.timer.textContent = formatDuration((Date.now() - current.connectedAt) / 1000);
        }, 1000);
        if (opts.side === "customer" && current.consent) { show(ui.withdraw, true); }
        if (opts.onConnected) { opts.onConnected(current); }
      } else if (pc.connectionState === "failed") {
        hangUp();
        finish(T.failed);
      }
    });
    current.pc = pc;
    return pc;
  }
  function addCandidate(candidate) {
    if (!call || !call.pc) { return; }
    if (!call.pc.remoteDescription) { call.pending.push(candidate); return; }
    call.pc.addIceCandidate(candidate).catch(function () { /* a stale candidate: ignore */ });
  }
  function flushCandidates() {
    var list = call.pending.splice(0);
    list.forEach(addCandidate);
  }

  function inCall(video) {
    setState("connecting");
    status(T.connecting);
    show(ui.hangup, true);
    show(ui.mute, true);
    show(ui.videos, !!video);
    if (video) { ui.local.srcObject = call.stream; }
  }

  function start(video) {
    var cid = opts.conversation();
    if (call || cid === null) { return; }
    var consent = !!(opts.side === "customer" && recording && ui.consent.checked);
    call = {id: null, video: !!video, caller: true, conversation: cid, consent: consent};
    show(ui.consentBox, false);  // the answer goes with the ring
    var current = call;
    setState("ringing-out");
    status(T.calling);
    show(ui.panel, true);
    renderButtons();
    show(ui.hangup, true);
    // Ask for the camera or microphone first: a refusal ends it before anyone rings.
    media(video).then(function (stream) {
      if (call !== current) { stream.getTracks().forEach(function (t) { t.stop(); }); return; }
      current.stream = stream;
      if (video) { ui.local.srcObject = stream; show(ui.videos, true); }
      opts.send({type: "call.ring", conversation_id: cid, video: !!video, record_consent: consent});
      current.ringTimer = setTimeout(function () { if (call === current && !current.pc) { hangUp(); finish(T.missed); } }, ringMs);
    }, function () { finish(T.no_media); });
  }

  function accept() {
    if (!call || call.caller || call.accepting) { return; }
    var current = call;
    current.accepting = true;
    show(ui.accept, false);
    show(ui.decline, false);
    media(current.video).then(function (stream) {
      if (call !== current) { stream.getTracks().forEach(function (t) { t.stop(); }); return; }
      current.stream = stream;
      peer();
      inCall(current.video);
      // The ring says whether the account records calls (the last availability answer
      // may predate a change of the setting).
      current.consent = opts.side === "customer" ? !!(ui.consent.checked && current.recording) : current.consent;
      opts.send({type: "call.accept", call_id: current.id, record_consent: current.consent});
      show(ui.consentBox, false);
    }, function () {
      opts.send({type: "call.decline", call_id: current.id});
      finish(T.no_media);
    });
  }
  function decline() {
    if (!call || call.caller) { return; }
    opts.send({type: "call.decline", call_id: call.id});
    cleanup();
    show(ui.panel, false);
  }
  function hangUp() {
    if (!call) { return; }
    if (call.id !== null) { opts.send({type: "call.hangup", call_id: call.id}); }
    var d = call.connectedAt ? (Date.now() - call.connectedAt) / 1000 : 0;
    finish(d ? fmt(T.ended_after, {duration: formatDuration(d)}) : T.ended);
  }
  function toggleMute() {
    if (!call || !call.stream) { return; }
    var tracks = call.stream.getAudioTracks();
    var muted = tracks.length && !tracks[0].enabled;
    tracks.forEach(function (t) { t.enabled = muted; });
    ui.mute.textContent = muted ? T.mute : T.unmute;
    ui.mute.setAttribute("aria-pressed", muted ? "false" : "true");
  }

  function incoming(ev) {
    if (call) { return; }  // already in a call: the caller hears "no answer"
    // The agent learns the customer's answer from the ring (the customer rang) or from
    // call.accepted (the agent rang); the server checks it again on upload.
    call = {id: ev.call_id, video: !!ev.video, caller: false, conversation: ev.conversation_id, recording: !!ev.recording, consent: opts.side === "agent" && !!ev.recording_consent};
    var name = opts.side === "agent" ? ev.contact_name : ev.agent_name;
    setState("ringing-in");
    status((ev.video ? T.incoming_video : T.incoming_audio) + (name ? " · " + fmt(T.incoming_from, {name: name}) : ""));
    show(ui.panel, true);
    show(ui.accept, true);
    show(ui.decline, true);
    if (opts.side === "customer" && ev.recording) {
      ui.notice.textContent = T.recording_notice;
      show(ui.notice, true);
      ui.consent.checked = false;
      show(ui.consentBox, true);
    } else if (opts.side === "agent" && ev.recording_consent) {
      ui.notice.textContent = T.recording_agreed;
      show(ui.notice, true);
    }
    renderButtons();
    if (opts.onIncoming) { opts.onIncoming(ev); }
  }

  function onEvent(ev) {
    if (!ev || typeof ev.type !== "string") { return; }
    var mine = call && ev.call_id === call.id;
    switch (ev.type) {
      case "ready":
        askedFor = null;
        refresh();
        return;
      case "conversation.updated":
      case "conversation.event":
        refresh(true);
        return;
      case "call.availability":
        if (ev.conversation_id !== opts.conversation()) { return; }
        available = !!ev.available;
        recording = !!ev.recording;
        if (opts.side === "customer" && !call) {
          // Before the customer calls, the panel asks (unticked); a later availability
          // answer keeps what they ticked.
          var ask = recording && available;
          if (ask && ui.consentBox.hidden) { ui.consent.checked = false; }
          ui.notice.textContent = T.recording_notice;
          show(ui.notice, ask);
          show(ui.consentBox, ask);
          if (ask) { show(ui.panel, true); } else if (ui.panel.dataset.callState === "idle") { show(ui.panel, false); }
        }
        renderButtons();
        return;
      case "call.ringing":
        if (call && call.caller && call.id === null && ev.conversation_id === call.conversation) {
          call.id = ev.call_id;
          call.ice = ev.ice_servers;
        }
        return;
      case "call.ring":
        incoming(ev);
        if (call && call.id === ev.call_id) { call.ice = ev.ice_servers; }
        return;
      case "call.taken":
        if (mine && !call.accepting) { cleanup(); show(ui.panel, false); }
        return;
      case "call.accepted":
        if (!mine || !call.caller || call.pc) { return; }
        clearTimeout(call.ringTimer);
        if (opts.side === "agent") {
          call.consent = !!ev.recording_consent;
          if (call.consent) { ui.notice.textContent = T.recording_agreed; show(ui.notice, true); }
        }
        peer();
        inCall(call.video);
        var current = call;
        current.pc.createOffer().then(function (offer) {
          return current.pc.setLocalDescription(offer);
        }).then(function () {
          opts.send({type: "call.offer", call_id: current.id, sdp: current.pc.localDescription.sdp});
        }).catch(function () { hangUp(); finish(T.failed); });
        return;
      case "call.offer":
        if (!mine || call.caller || !call.pc) { return; }
        var pc = call.pc, cur = call;
        pc.setRemoteDescription({type: "offer", sdp: ev.sdp}).then(function () {
          flushCandidates();
          return pc.createAnswer();
        }).then(function (answer) {
          return pc.setLocalDescription(answer);
        }).then(function () {
          opts.send({type: "call.answer", call_id: cur.id, sdp: pc.localDescription.sdp});
        }).catch(function () { hangUp(); finish(T.failed); });
        return;
      case "call.answer":
        if (!mine || !call.caller || !call.pc) { return; }
        call.pc.setRemoteDescription({type: "answer", sdp: ev.sdp}).then(flushCandidates).catch(function () { hangUp(); finish(T.failed); });
        return;
      case "call.ice":
        if (mine && ev.candidate) { addCandidate(ev.candidate); }
        return;
      case "call.recording_withdrawn":
        if (!mine) { return; }
        call.consent = false;
        show(ui.withdraw, false);
        ui.notice.textContent = T.recording_withdrawn;
        show(ui.notice, true);
        if (opts.onWithdrawn) { opts.onWithdrawn(call); }
        return;
      case "call.ended":
        if (!mine) { return; }
        var text = {declined: T.declined, missed: T.missed, cancelled: T.cancelled, failed: T.failed}[ev.outcome];
        if (ev.outcome === "completed") { text = fmt(T.ended_after, {duration: formatDuration(ev.duration || 0)}); }
        finish(text || T.ended);
        return;
      case "call.error":
        if (call && (ev.call_id === null || mine) && !call.pc) { finish(T.unavailable); }
        return;
    }
  }

  function refresh(force) {
    var cid = opts.conversation();
    if (cid === null) { available = false; renderButtons(); return; }
    if (!force && cid === askedFor) { return; }
    askedFor = cid;
    opts.send({type: "call.availability", conversation_id: cid});
  }

  Array.prototype.forEach.call(root.querySelectorAll("[data-call-start]"), function (b) {
    b.addEventListener("click", function () { start(b.dataset.callStart === "video"); });
  });
  ui.accept.addEventListener("click", accept);
  ui.decline.addEventListener("click", decline);
  ui.hangup.addEventListener("click", hangUp);
  ui.mute.addEventListener("click", toggleMute);
  if (ui.withdraw) {
    ui.withdraw.addEventListener("click", function () {
      if (call && call.id !== null) { opts.send({type: "call.recording_withdraw", call_id: call.id}); }
    });
  }
  setState("idle");
  // The conversation on screen may change without an event (the widget's list view):
  // look once a second, and ask the server again now and then (the agent may go offline).
  setInterval(function () { refresh(false); }, 1000);
  setInterval(function () { refresh(true); }, 15000);
  window.addEventListener("pagehide", function () { if (call && call.id !== null) { opts.send({type: "call.hangup", call_id: call.id}); } });

  return {onEvent: onEvent, refresh: refresh, hangUp: hangUp, notice: function (text) {
    ui.notice.textContent = text || "";
    show(ui.notice, !!text);
  }};
}

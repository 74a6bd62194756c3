// A video (or audio-only) call between the borrower's portal page and the agent's console page: WebRTC between
// the two browsers, signalling relayed by the app's own WebSocket (/rtc/<appointment>?token=...). No media goes
// through the server and nothing is recorded. The agent's side makes the offer when both are present.
(function () {
  "use strict";
  var root = document.getElementById("call");
  if (!root || !root.dataset.token) { return; }
  var role = root.dataset.role, appt = root.dataset.appointment, token = root.dataset.token;
  var local = document.getElementById("local-video"), remote = document.getElementById("remote-video");
  var status = document.getElementById("call-status"), notice = document.getElementById("media-notice");
  var texts = JSON.parse(root.dataset.texts || "{}");
  var state = { mode: "none", ws: null, pc: null, connected: false };
  window.duecareCall = state;

  function say(key) { status.textContent = texts[key] || key; status.dataset.state = key; }
  function warn(key) { notice.textContent = texts[key] || key; notice.hidden = false; notice.dataset.reason = key; }

  async function media() {
    try {
      var both = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      state.mode = "video";
      return both;
    } catch (e) {
      warn("camera_refused");
      try {
        var voice = await navigator.mediaDevices.getUserMedia({ audio: true });
        state.mode = "audio";
        return voice;
      } catch (e2) {
        warn("microphone_refused");
        state.mode = "receive_only";
        return null;
      }
    }
  }

  function send(message) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) { state.ws.send(JSON.stringify(message)); }
  }

  async function start() {
    say("waiting_media");
    var stream = await media();
    if (stream) { local.srcObject = stream; }
    var pc = new RTCPeerConnection({ iceServers: JSON.parse(root.dataset.ice || "[]") });
    state.pc = pc;
    if (stream) { stream.getTracks().forEach(function (t) { pc.addTrack(t, stream); }); }
    if (!stream || stream.getVideoTracks().length === 0) { pc.addTransceiver("video", { direction: "recvonly" }); }
    if (!stream || stream.getAudioTracks().length === 0) { pc.addTransceiver("audio", { direction: "recvonly" }); }
    pc.ontrack = function (event) {
      if (!remote.srcObject) { remote.srcObject = new MediaStream(); }
      remote.srcObject.addTrack(event.track);
    };
    pc.onicecandidate = function (event) { if (event.candidate) { send({ type: "candidate", candidate: event.candidate }); } };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "connected" && !state.connected) {
        state.connected = true; say("connected"); send({ type: "connected" });
      } else if (pc.connectionState === "failed" || pc.connectionState === "disconnected") { say("disconnected"); }
    };
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/rtc/" + encodeURIComponent(appt) + "?token=" + encodeURIComponent(token));
    state.ws = ws;
    say("waiting_room");
    ws.onclose = function (event) { if (!state.connected) { say(event.code === 4401 ? "refused" : "closed"); } };
    ws.onmessage = async function (event) {
      var m = JSON.parse(event.data);
      if (m.type === "peers") {
        if (m.present.length < 2) { if (!state.connected) { say("waiting_room"); } return; }
        say("connecting");
        if (role === "agent") {
          await pc.setLocalDescription(await pc.createOffer());
          send({ type: "offer", sdp: pc.localDescription });
        }
      } else if (m.type === "offer") {
        await pc.setRemoteDescription(m.sdp);
        await pc.setLocalDescription(await pc.createAnswer());
        send({ type: "answer", sdp: pc.localDescription });
      } else if (m.type === "answer") {
        await pc.setRemoteDescription(m.sdp);
      } else if (m.type === "candidate") {
        try { await pc.addIceCandidate(m.candidate); } catch (e) { /* a late candidate after close */ }
      } else if (m.type === "bye") {
        say("ended"); pc.close();
      }
    };
  }

  var button = document.getElementById("join-call");
  if (button) {
    button.addEventListener("click", function () { button.disabled = true; start(); });
  }
  var hang = document.getElementById("end-call");
  if (hang) {
    hang.addEventListener("click", function () {
      send({ type: "bye" }); if (state.pc) { state.pc.close(); } if (state.ws) { state.ws.close(); } say("ended");
    });
  }
})();

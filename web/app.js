// rtsp-blur operator page: a tile per camera of this network, playing its
// HLS stream with hls.js (the grid plays the camera's sub-stream when it has
// one; a click on a tile shows that camera alone, from its main stream, and
// a second click brings the grid back), its state and the time of its last
// frame from /api/cameras, and the network's chat over a WebSocket.
// SPDX-License-Identifier: LGPL-2.1-or-later
'use strict';

const tiles = new Map();          // camera name -> {el, video, hls, ...}
const REFRESH_MS = 2000;
let focused = null;               // the camera shown alone, or null

function fmtTime(iso) {
  if (!iso) return 'no frame yet';
  const d = new Date(iso);
  return 'last frame ' + d.toLocaleTimeString([], {hour12: false});
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// The stream a tile plays: the main one when its camera is shown alone or
// has no sub-stream, else the sub-stream.
function wanted(t) {
  if (t.sub && focused !== t.name) return {url: t.sub, ready: t.subReady};
  return {url: t.main, ready: t.mainReady};
}

// Plays what the tile should play now, switching streams if needed.
function updatePlayer(t) {
  const w = wanted(t);
  if (t.url !== w.url) {
    stopPlayer(t);
    t.url = w.url;
    t.tile.dataset.stream = w.url === t.sub ? 'sub' : 'main';
  }
  if (w.ready) startPlayer(t);
}

function startPlayer(t) {
  if (t.hls || t.native) return;
  const video = t.video;
  if (window.Hls && Hls.isSupported()) {
    const hls = new Hls({
      liveSyncDurationCount: 2,
      lowLatencyMode: false,
      manifestLoadingMaxRetry: 3,
    });
    hls.on(Hls.Events.ERROR, (ev, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
        return;
      }
      // network or other fatal error: start over a little later
      hls.destroy();
      t.hls = null;
      setTimeout(() => startPlayer(t), REFRESH_MS);
    });
    hls.loadSource(t.url);
    hls.attachMedia(video);
    t.hls = hls;
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = t.url;
    t.native = true;
  }
  video.play().catch(() => {});
}

// A camera another node runs now ([cluster]): no player here, a link to
// that node's page on this network instead.
function stopPlayer(t) {
  if (t.hls) t.hls.destroy();
  if (t.native) t.video.removeAttribute('src');
  t.hls = null;
  t.native = false;
}

function addTile(cam) {
  const tile = el('div', 'tile');
  tile.dataset.camera = cam.name;
  const video = el('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  const caption = el('div', 'caption');
  const name = el('span', 'name', cam.name);
  const state = el('span', 'state');
  const last = el('span', 'last');
  caption.append(name, state, last);
  tile.append(video, caption);
  document.getElementById('grid').append(tile);
  const t = {tile, video, state, last, name: cam.name, url: null, hls: null};
  tiles.set(cam.name, t);
  tile.addEventListener('click', () => focus(cam.name));
  return t;
}

// Shows @name alone from its main stream, or the grid again when it was.
function focus(name) {
  focused = focused === name ? null : name;
  document.getElementById('grid').classList.toggle('focused', focused !== null);
  for (const t of tiles.values()) {
    t.tile.classList.toggle('focus', t.name === focused);
    updatePlayer(t);
  }
}

async function refresh() {
  try {
    const r = await fetch('/api/cameras', {cache: 'no-store'});
    if (!r.ok) throw new Error(r.status);
    const info = await r.json();
    document.getElementById('network').textContent = 'network ' + info.network;
    document.getElementById('user').textContent = info.user;
    document.getElementById('clock').textContent =
      'server ' + new Date(info.server_time).toLocaleTimeString([], {hour12: false});
    for (const cam of info.cameras) {
      const t = tiles.get(cam.name) || addTile(cam);
      t.tile.classList.remove('live', 'reconnecting', 'offline', 'elsewhere');
      t.tile.classList.add(cam.state);
      t.main = cam.hls;
      t.mainReady = cam.hls_ready;
      t.sub = cam.hls_sub || null;
      t.subReady = !!cam.hls_sub_ready;
      if (cam.state === 'elsewhere') {
        stopPlayer(t);
        const text = 'on ' + (cam.node || 'another node');
        t.state.replaceChildren(cam.page ? el('a', 'owner', text) : text);
        if (cam.page) t.state.firstChild.href = cam.page;
      } else {
        t.state.textContent = cam.state;
      }
      t.last.textContent = fmtTime(cam.last_frame);
      if (cam.state !== 'elsewhere') updatePlayer(t);
    }
  } catch (e) {
    document.getElementById('clock').textContent = 'daemon unreachable';
  }
  setTimeout(refresh, REFRESH_MS);
}

// ---- chat ----

function showMessage(m) {
  const list = document.getElementById('messages');
  const li = el('li');
  const when = new Date(m.time).toLocaleTimeString([], {hour12: false});
  li.append(el('span', 'when', when), el('span', 'who', m.user + ': '),
            el('span', 'text', m.text));
  li.title = m.time + ' (network ' + m.network + ')';
  list.append(li);
  list.scrollTop = list.scrollHeight;
}

// From the server to this page only: a message was not sent (rate limit).
function showNotice(text) {
  const list = document.getElementById('messages');
  const li = el('li', 'notice', text);
  list.append(li);
  list.scrollTop = list.scrollHeight;
}

let socket = null;

function connectChat() {
  const state = document.getElementById('chat-state');
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  socket = new WebSocket(proto + '//' + location.host + '/chat');
  socket.onopen = () => { state.textContent = 'connected'; };
  socket.onmessage = (ev) => {
    const f = JSON.parse(ev.data);
    if (f.type === 'history') {
      document.getElementById('messages').replaceChildren();
      f.messages.forEach(showMessage);
      state.textContent = 'connected';
      document.body.dataset.chatReady = '1';
    } else if (f.type === 'message') {
      showMessage(f.message);
    } else if (f.type === 'notice') {
      showNotice(f.text);
    }
  };
  socket.onclose = () => {
    state.textContent = 'reconnecting';
    delete document.body.dataset.chatReady;
    setTimeout(connectChat, REFRESH_MS);
  };
}

document.getElementById('chat-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = document.getElementById('chat-input');
  const text = input.value.trim();
  if (text && socket && socket.readyState === WebSocket.OPEN) {
    socket.send(text);
    input.value = '';
  }
});

refresh();
connectChat();

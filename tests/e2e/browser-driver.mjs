// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives Debian's Chromium (headless, through playwright-core from
// web/node_modules) against rtsp-blur's operator page, for browser.py.
// Usage: node browser-driver.mjs JSON  where JSON is
//   {"mode": "main"|"listen"|"history", "url": "http://ADDR:PORT/",
//    "user": U, "password": P, "nonce": TEXT, "expect_cameras": [...],
//    "absent_cameras": [...], "screenshot": PATH, "listen_s": N,
//    "focus": true (click the first expected camera's tile twice)}
// Prints one line "RESULT {json}" (and "READY" in listen mode once the
// chat is connected). Every wait is bounded.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../web/package.json'));
const { chromium } = require('playwright-core');

const opts = JSON.parse(process.argv[2]);
const result = { mode: opts.mode, checks: {} };

function launch() {
  // Playwright gives every launch a fresh temporary profile (its own
  // --user-data-dir), removed at close.
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync',
           '--autoplay-policy=no-user-gesture-required'],
    timeout: 60000,
  });
}

async function session(browser, withCredentials) {
  const ctx = await browser.newContext(withCredentials ? {
    httpCredentials: { username: opts.user, password: opts.password },
    viewport: { width: 1280, height: 800 },
  } : { viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  return { ctx, page };
}

// Waits until the first tile's video plays: currentTime advances and a
// frame drawn to a canvas is not blank. Returns ms since @t0, or -1.
async function waitPlaying(page, camera, t0, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let first = -1, last = null;
  while (Date.now() < end) {
    const s = await page.evaluate((cam) => {
      const v = document.querySelector(`.tile[data-camera="${cam}"] video`);
      if (!v || v.readyState < 2 || v.videoWidth === 0) return null;
      const c = document.createElement('canvas');
      c.width = v.videoWidth; c.height = v.videoHeight;
      const g = c.getContext('2d');
      g.drawImage(v, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let sum = 0, sum2 = 0, n = 0;
      for (let i = 0; i < d.length; i += 4 * 7) {
        const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
        sum += y; sum2 += y * y; n++;
      }
      const mean = sum / n;
      return { t: v.currentTime, std: Math.sqrt(sum2 / n - mean * mean),
               mean, w: v.videoWidth, h: v.videoHeight };
    }, camera);
    if (s && s.std > 8) {
      if (first < 0) first = Date.now() - t0;
      if (last && s.t > last.t + 0.5) {
        return { ttff_ms: first, std: s.std, t: s.t, w: s.w, h: s.h };
      }
      if (!last) last = s;
    }
    await page.waitForTimeout(250);
  }
  return null;
}

async function chatMessages(page) {
  return page.evaluate(() => Array.from(document.querySelectorAll(
      '#messages li')).map((li) => li.textContent));
}

async function waitChatReady(page, timeoutMs) {
  await page.waitForSelector('body[data-chat-ready="1"]',
                             { timeout: timeoutMs });
}

async function waitText(page, text, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await chatMessages(page)).some((m) => m.includes(text))) return true;
    await page.waitForTimeout(200);
  }
  return false;
}

async function main() {
  const browser = await launch();
  try {
    if (opts.mode === 'listen') {
      const a = await session(browser, true);
      const r = await a.page.goto(opts.url, { timeout: 30000 });
      result.checks.status = r ? r.status() : 0;
      await waitChatReady(a.page, 30000);
      console.log('READY');
      // until listen_s is over, or (with "until") that text arrived
      if (opts.until) await waitText(a.page, opts.until, opts.listen_s * 1000);
      else await a.page.waitForTimeout(opts.listen_s * 1000);
      result.messages = await chatMessages(a.page);
    } else if (opts.mode === 'send') {
      const a = await session(browser, true);
      await a.page.goto(opts.url, { timeout: 30000 });
      await waitChatReady(a.page, 30000);
      await a.page.fill('#chat-input', opts.nonce);
      await a.page.click('#chat-form button');
      result.checks.sender_sees = await waitText(a.page, opts.nonce, 10000);
    } else if (opts.mode === 'history') {
      const a = await session(browser, true);
      await a.page.goto(opts.url, { timeout: 30000 });
      await waitChatReady(a.page, 30000);
      result.checks.history = await waitText(a.page, opts.nonce, 10000);
      result.messages = await chatMessages(a.page);
    } else {
      // no credentials: 401
      const anon = await session(browser, false);
      // Chromium without credentials for a challenge fails the navigation
      // (ERR_INVALID_AUTH_CREDENTIALS): the status is read from the
      // context's request API, which shares nothing with the sessions
      const r0 = await anon.ctx.request.get(opts.url, { timeout: 30000 });
      result.checks.anonymous_status = r0.status();
      result.checks.anonymous_challenge = r0.headers()['www-authenticate'] || '';
      try {
        await anon.page.goto(opts.url, { timeout: 30000 });
        result.checks.anonymous_page = 'loaded';
      } catch (e) {
        result.checks.anonymous_page = String(e.message).split('\n')[0];
      }
      await anon.ctx.close();

      const a1 = await session(browser, true);
      const t0 = Date.now();
      const r1 = await a1.page.goto(opts.url, { timeout: 30000 });
      result.checks.status = r1 ? r1.status() : 0;
      await a1.page.waitForSelector('.tile', { timeout: 30000 });
      result.tiles = await a1.page.evaluate(() => Array.from(
          document.querySelectorAll('.tile')).map((t) => ({
            camera: t.dataset.camera,
            state: t.querySelector('.state').textContent,
            last: t.querySelector('.last').textContent })));
      const cam = opts.expect_cameras[0];
      const stream = (c) => a1.page.evaluate((c) => document.querySelector(
          `.tile[data-camera="${c}"]`).dataset.stream, c);
      result.playing = await waitPlaying(a1.page, cam, t0, 60000);
      result.grid_stream = await stream(cam);
      if (opts.focus) {
        // a click shows the camera alone from its main stream, a second
        // one brings the grid (and its sub-stream) back
        await a1.page.click(`.tile[data-camera="${cam}"] video`);
        result.focused_stream = await stream(cam);
        result.focused_playing = await waitPlaying(a1.page, cam, Date.now(),
                                                   60000);
        await a1.page.click(`.tile[data-camera="${cam}"] video`);
        result.back_stream = await stream(cam);
        result.back_playing = await waitPlaying(a1.page, cam, Date.now(),
                                                60000);
      }
      // a camera not on the list: 404 from the page's own origin
      result.absent_status = {};
      for (const cam of opts.absent_cameras) {
        result.absent_status[cam] = await a1.page.evaluate(async (c) =>
            (await fetch(`/hls/${c}/index.m3u8`)).status, cam);
      }
      await waitChatReady(a1.page, 30000);
      const a2 = await session(browser, true);
      await a2.page.goto(opts.url, { timeout: 30000 });
      await waitChatReady(a2.page, 30000);
      await a1.page.fill('#chat-input', opts.nonce);
      await a1.page.click('#chat-form button');
      result.checks.sender_sees = await waitText(a1.page, opts.nonce, 10000);
      result.checks.second_session_sees = await waitText(a2.page,
                                                         opts.nonce, 10000);
      result.user_shown = (await chatMessages(a2.page)).find((m) =>
          m.includes(opts.nonce));
      // refresh the tiles once more, then the screenshot
      await a1.page.waitForTimeout(2500);
      result.tiles = await a1.page.evaluate(() => Array.from(
          document.querySelectorAll('.tile')).map((t) => ({
            camera: t.dataset.camera,
            state: t.querySelector('.state').textContent,
            last: t.querySelector('.last').textContent })));
      if (opts.screenshot)
        await a1.page.screenshot({ path: opts.screenshot });
    }
  } finally {
    await browser.close();
  }
}

const watchdog = setTimeout(() => {
  result.error = 'driver timeout';
  console.log('RESULT ' + JSON.stringify(result));
  process.exit(2);
}, (opts.timeout_s || 150) * 1000);

main().then(() => {
  clearTimeout(watchdog);
  console.log('RESULT ' + JSON.stringify(result));
  process.exit(0);
}, (e) => {
  clearTimeout(watchdog);
  result.error = String(e && e.stack || e);
  console.log('RESULT ' + JSON.stringify(result));
  process.exit(1);
});

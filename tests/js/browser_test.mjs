// herald's demo page in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against a real node binary on 127.0.0.1 (the demo app with short durations, and a stream
// lifetime shorter than a task, so that the node drops every stream mid-task).
//
// Checks: the page lists the async routes; two /process-data tasks run at once, their bars
// reach 100 % and their results appear, each stream dropped by the node and resumed with
// nothing repeated; /sse's custom events and result appear; the group feed shows the events
// of a group; a cancelled task shows Aborted; an error answer (invalid JSON, 400) is shown in
// the page. It ends with a screenshot of the page (the test's artifact).
//
// What counts as a console error: every `pageerror` (an uncaught exception or rejection in
// the page) and every console.error/console.warn call made by a script, which must be none;
// messages the browser logs by itself (it logs each failed network request) are allowed only
// for the 400 this test provokes on purpose, and any other fails the test too.
//
// Then the same page against a second node with auth on (`auth.required`, one API key): the
// first 401 opens the page's key dialog (focused, labelled); a wrong key is refused there and
// the right one is kept in memory; tasks run to their results through their signed `Sse.Url`
// streams (dropped and resumed with the token), the group feed falls back to the page's own
// task streams after the group stream's one refusal, and a task is cancelled. The key never
// appears in a requested URL nor in the page's storage. Two more screenshots: the dialog
// after a wrong key (`-auth-key.png`) and the page at the end (`-auth.png`).
//
// Usage: node browser_test.mjs PATH_TO_HERALD [SCREENSHOT.png]
// Exit 77 (skipped) when Chromium is not installed, unless CI is set (then it fails);
// CHROMIUM overrides /usr/bin/chromium.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';

const [binary, screenshot] = process.argv.slice(2);
if (!binary) {
  console.error('usage: node browser_test.mjs PATH_TO_HERALD [SCREENSHOT.png]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  // In CI a missing browser is a missing install step, not a reason to skip.
  console.log(`browser: ${executablePath} is not installed (apt-get install chromium)`);
  process.exit(process.env.CI ? 1 : 77);
}

const started = Date.now();
const deadline = setTimeout(() => fail(new Error('timed out after 120 s')), 120_000);
const nodes = [];
const dirs = [];
let nodeLog = '';
let browser;
let page;

async function fail(err) {
  console.error('FAIL:', err?.stack ?? err);
  if (page && screenshot) {
    try {
      await page.screenshot({ path: screenshot.replace(/\.png$/, '-failure.png'), fullPage: true });
    } catch {
      // the page may be gone
    }
  }
  console.error('--- node log (tail)\n' + nodeLog.slice(-3000));
  await cleanup();
  process.exit(1);
}

async function cleanup() {
  clearTimeout(deadline);
  if (browser) await browser.close().catch(() => {});
  browser = null;
  for (const node of nodes) if (node.exitCode === null) node.kill('SIGTERM');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

/** Starts herald on a free port with `extra` config; resolves with its base URL once it
 * listens. */
function startNode(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-browser-'));
  dirs.push(dir);
  const config = join(dir, 'herald.json');
  writeFileSync(config, JSON.stringify({
    bind: '127.0.0.1',
    port: 0,
    log_level: 'warn',
    // /process-data: 20 x 80 ms; /sse: 1.2 s between its events; /generate-report: 3 s.
    demo: { tick_ms: 80, report_ms: 3000, event_gap_ms: 1200 },
    // Streams end after 700 ms: every task stream and the feed are dropped and must resume.
    sse: { retry_ms: 150, stream_lifetime_ms: 700 },
    // Its own admin port: the default one may be taken by another node on this machine.
    admin: { port: 0 },
    ...extra,
  }));
  const node = spawn(binary, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  nodes.push(node);
  let log = '';
  node.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') fail(new Error(`herald exited: ${code} ${signal}`));
  });
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      nodeLog += chunk;
      log += chunk;
      const m = log.match(/herald listening on 127\.0\.0\.1:(\d+)/);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    };
    node.stdout.on('data', onData);
    node.stderr.on('data', onData);
    setTimeout(() => reject(new Error('herald did not start: ' + log)), 10_000);
  });
}

// Runs in the page before its scripts: records every event each EventSource receives, so
// that the test can check what came over the wire (ids, order, repeats), not only the DOM.
function recordStreams() {
  const Native = window.EventSource;
  const streams = [];
  window.__streams = streams;
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      const rec = { url: String(url), events: [], opens: 0, errors: 0 };
      streams.push(rec);
      for (const type of ['pode.open', 'pode.progress', 'message', 'pode.taskCompleted', 'pode.close'])
        this.addEventListener(type, (e) => rec.events.push({ type, id: e.lastEventId, data: e.data }));
      this.addEventListener('open', () => rec.opens++);
      this.addEventListener('error', () => rec.errors++);
    }
  };
}

const WAIT = { timeout: 15_000, polling: 50 };
const route = (id) => `[data-route-id="${id}"]`;
const card = (id) => `article.task[data-task-id="${id}"]`;

/** Clicks Start on a route and returns the id of the task card that appears. */
async function startTask(routeId) {
  const before = await page.$$eval('article.task[data-task-id]', (els) => els.map((e) => e.dataset.taskId));
  await page.click(`${route(routeId)} button.start`);
  const handle = await page.waitForFunction((known) => {
    const fresh = [...document.querySelectorAll('article.task[data-task-id]')]
      .map((e) => e.dataset.taskId).filter((id) => !known.includes(id));
    return fresh.length === 1 ? fresh[0] : null;
  }, before, WAIT);
  return handle.jsonValue();
}

async function cardState(id) {
  return page.$eval(card(id), (e) => ({
    state: e.querySelector('.state').textContent,
    progress: e.querySelector('progress').value,
    percent: e.querySelector('.percent').textContent,
    events: [...e.querySelectorAll('.events li .event-data')].map((x) => x.textContent),
    result: e.querySelector('.result')?.textContent ?? null,
    error: e.querySelector('.outcome .error')?.textContent ?? null,
    conn: e.querySelector('.conn').dataset.conn,
    reconnects: Number(e.dataset.reconnects),
  }));
}

async function waitForState(id, state) {
  await page.waitForFunction(
    ([sel, s]) => document.querySelector(sel)?.querySelector('.state').textContent === s,
    [card(id), state], WAIT);
}

/** What the browser received on the stream of task `id` (the page's EventSource on Sse.Url,
 * with or without a signed token). */
async function taskStream(id) {
  const recs = await page.evaluate((taskId) => window.__streams.filter((s) =>
    s.url.endsWith(`?Id=${taskId}`) || s.url.includes(`?Id=${taskId}&token=`)), id);
  assert.equal(recs.length, 1, `one EventSource for task ${id}`);
  return recs[0];
}

/** No event id twice on a stream, across its reconnects. */
function assertNoRepeats(rec) {
  const ids = rec.events.filter((e) => e.type !== 'pode.open').map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, `no event twice on ${rec.url}: ${ids}`);
}

async function pageListsTheRoutes(base) {
  const res = await page.goto(base + '/', { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  const headers = res.headers();
  assert.match(headers['content-security-policy'], /default-src 'self'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  await page.waitForSelector(route('[POST]/process-data'), WAIT);
  const routes = await page.$$eval('[data-route-id]', (els) => els.map((e) => e.dataset.routeId));
  assert.deepEqual(routes.sort(), ['[GET]/generate-report', '[GET]/sse', '[POST]/process-data']);
  assert.equal(await page.isVisible('#tasks-empty'), true);
}

async function followTheGroup(group) {
  await page.fill('#feed-group', group);
  await page.click('#feed-open');
  await page.waitForSelector('#feed-conn[data-conn="live"]', WAIT);
}

async function twoTasksRunAtOnceToTheirResults() {
  const a = await startTask('[POST]/process-data');
  const b = await startTask('[POST]/process-data');
  // Both move at the same time (the route runs 2 at once).
  await page.waitForFunction(([x, y]) => [x, y].every((sel) => {
    const v = document.querySelector(sel).querySelector('progress').value;
    return v > 0 && v < 100;
  }), [card(a), card(b)], WAIT);
  for (const id of [a, b]) {
    await waitForState(id, 'Completed');
    await page.waitForSelector(`${card(id)} .result`, WAIT);
    const s = await cardState(id);
    assert.equal(s.progress, 100);
    assert.equal(s.percent, '100%');
    assert.equal(s.result, '{"message":"Processing completed"}');
    assert.equal(s.error, null);
    // The node ended the stream every 700 ms of a 1.6 s task: the page showed "reconnecting"
    // and the browser resumed with Last-Event-ID; nothing came twice, nothing was missed.
    assert.ok(s.reconnects >= 1, `task ${id} stream resumed (${s.reconnects})`);
    await page.waitForSelector(`${card(id)} .conn[data-conn="closed"]`, WAIT);
    const rec = await taskStream(id);
    assert.ok(rec.opens >= 2, `reopened after the drop: ${rec.opens}`);
    assertNoRepeats(rec);
    const progress = rec.events.filter((e) => e.type === 'pode.progress').map((e) => Number(e.data));
    for (let i = 1; i < progress.length; i++)
      assert.ok(progress[i] > progress[i - 1], `progress only grows: ${progress}`);
    assert.equal(progress.at(-1), 100);
    assert.equal(rec.events.filter((e) => e.type === 'pode.taskCompleted').length, 1);
    assert.equal(rec.events.at(-1).type, 'pode.close');
  }
  return [a, b];
}

async function customEventsAppearInTheCardAndTheFeed() {
  const id = await startTask('[GET]/sse');
  await waitForState(id, 'Completed');
  const s = await cardState(id);
  // The node dropped the stream between the two events: each is shown once.
  assert.equal(s.events.length, 2, `both events once: ${JSON.stringify(s.events)}`);
  assert.match(s.events[0], /^Start - Hello there! The datetime is: /);
  assert.match(s.events[1], /^End - Goodbye! The datetime is: /);
  assert.equal(s.result, '{"message":"Done"}'); // /sse has send_result
  assert.ok(s.reconnects >= 1, `the /sse stream resumed (${s.reconnects})`);
  assertNoRepeats(await taskStream(id));

  // The feed of "Test events" saw the same task: both events and its completion, once each.
  const sel = `#feed li[data-task-id="${id}"]`;
  await page.waitForSelector(`${sel}[data-type="pode.taskCompleted"]`, WAIT);
  const feed = await page.$$eval(sel, (els) =>
    els.map((e) => ({ type: e.dataset.type, text: e.querySelector('.feed-text').textContent })));
  const messages = feed.filter((f) => f.type === 'message').map((f) => f.text).reverse();
  assert.equal(messages.length, 2, `feed: ${JSON.stringify(feed)}`);
  assert.match(messages[0], /^Start - Hello there!/);
  assert.match(messages[1], /^End - Goodbye!/);
  assert.deepEqual(feed.filter((f) => f.type === 'pode.taskCompleted').map((f) => f.text),
    ['Completed']);
  const feedStream = await page.evaluate(() =>
    window.__streams.filter((s) => s.url.includes('/sse/Test%20events')));
  assert.equal(feedStream.length, 1);
  assert.ok(feedStream[0].errors >= 1 && feedStream[0].opens >= 2, 'the feed resumed too');
  assertNoRepeats(feedStream[0]);
  return id;
}

async function aCancelledTaskShowsAborted() {
  const id = await startTask('[GET]/generate-report');
  await page.waitForFunction(
    (sel) => document.querySelector(sel).querySelector('progress').value > 0, card(id), WAIT);
  await page.click(`${card(id)} button.cancel`);
  await waitForState(id, 'Aborted');
  await page.waitForSelector(`${card(id)} .conn[data-conn="closed"]`, WAIT);
  const s = await cardState(id);
  assert.equal(s.error, 'Aborted by the user');
  assert.ok(s.progress > 0 && s.progress < 100, `Aborted keeps its progress: ${s.progress}`);
  assert.equal(await page.isVisible(`${card(id)} button.cancel`), false);
  const rec = await taskStream(id);
  const done = rec.events.filter((e) => e.type === 'pode.taskCompleted').map((e) => JSON.parse(e.data));
  assert.deepEqual(done.map((d) => [d.State, d.Error]), [['Aborted', 'Aborted by the user']]);
  return id;
}

async function anErrorAnswerIsShown() {
  const cards = await page.$$eval('article.task[data-task-id]', (els) => els.length);
  await page.fill(`${route('[POST]/process-data')} textarea`, '{"rows": [1, 2');
  await page.click(`${route('[POST]/process-data')} button.start`);
  const sel = `${route('[POST]/process-data')} .route-error`;
  await page.waitForSelector(sel, { state: 'visible', ...WAIT });
  const text = await page.textContent(sel);
  assert.match(text, /^400 Bad Request: Request body is not valid JSON/);
  assert.equal(await page.$$eval('article.task[data-task-id]', (els) => els.length), cards, 'no task created');
}

/** A task still running, for the picture. */
async function startARunningReport() {
  const id = await startTask('[GET]/generate-report');
  await page.waitForFunction(
    (sel) => document.querySelector(sel).querySelector('progress').value >= 40, card(id), WAIT);
  return id;
}

// -- with auth on --------------------------------------------------------------------------

const KEY = `demo-${randomBytes(18).toString('hex')}`;

function startAuthNode() {
  const keySha256 = createHash('sha256').update(KEY).digest('hex');
  return startNode({
    auth: { required: true, keys: [{ key_sha256: keySha256, user: 'ann', groups: ['ops'] }] },
  });
}

/** The stream of task `id` as the page opened it: `Sse.Url` with its signed token. */
async function signedTaskStream(id) {
  const recs = await page.evaluate(
    (taskId) => window.__streams.filter((s) => s.url.includes(`?Id=${taskId}&token=`)), id);
  assert.equal(recs.length, 1, `one EventSource on the signed Sse.Url of task ${id}`);
  return recs[0];
}

/** Opening the group feed before any key: one refusal, then this page's task streams. */
async function theFeedFallsBackToTaskStreams(group, tries = 1) {
  await followTheGroup(group);
  assert.match(await page.textContent('#feed-conn'), /^this page's tasks · Test events$/);
  assert.match(await page.textContent('#feed-hint'), /cannot present its key on a group stream/);
  await sleep(600); // time for any reconnecting, of which there must be none
  const rec = await page.evaluate(() =>
    window.__streams.filter((s) => s.url.includes('/sse/Test%20events')));
  assert.equal(rec.length, tries, 'the group stream was tried once per follow');
  for (const r of rec) assert.deepEqual([r.opens, r.errors, r.events.length], [0, 1, 0]);
}

/**
 * Starts a route whose call meets a 401: dismissing the dialog (Escape) shows the 401 and
 * gives the focus back; on the next try a wrong key is refused, then the right one is taken.
 */
async function theKeyIsAskedOnce() {
  const start = `${route('[POST]/process-data')} button.start`;
  await page.click(start);
  await page.waitForSelector('#key-dialog[open]', WAIT);
  await page.keyboard.press('Escape');
  const error = `${route('[POST]/process-data')} .route-error`;
  await page.waitForSelector(error, { state: 'visible', ...WAIT });
  assert.match(await page.textContent(error), /^401 Unauthorized: /);
  assert.equal(await page.isVisible('#key-dialog'), false);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Start',
    'the focus is back on the button');
  assert.equal(await page.$$eval('article.task', (els) => els.length), 0);

  await page.click(start);
  await page.waitForSelector('#key-dialog[open]', WAIT);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'key-input', 'focused');
  assert.equal(await page.textContent('label[for="key-input"]'), 'API key');
  assert.equal(await page.getAttribute('#key-input', 'type'), 'password');
  assert.equal(await page.isVisible('#key-error'), false);

  await page.fill('#key-input', 'not-the-key');
  await page.press('#key-input', 'Enter');
  await page.waitForSelector('#key-error:not([hidden])', WAIT);
  assert.equal(await page.textContent('#key-error'), 'The node did not accept this key.');
  assert.equal(await page.isVisible('#key-dialog'), true);
  assert.equal(await page.inputValue('#key-input'), '', 'the refused key is not kept');
  if (screenshot)
    await page.screenshot({ path: screenshot.replace(/\.png$/, '') + '-auth-key.png' });

  await page.fill('#key-input', KEY);
  await page.click('#key-submit');
  await page.waitForSelector('#key-dialog:not([open])', { state: 'attached', ...WAIT });
  assert.equal(await page.inputValue('#key-input'), '', 'the key is not left in the form');
  const handle = await page.waitForFunction(() =>
    document.querySelector('article.task[data-task-id]')?.dataset.taskId ?? null, null, WAIT);
  return handle.jsonValue();
}

async function tasksRunThroughTheirSignedStreams(first) {
  const second = await startTask('[POST]/process-data');
  const sse = await startTask('[GET]/sse');
  assert.equal(await page.isVisible('#key-dialog'), false, 'the key was asked once');
  for (const id of [first, second]) {
    await waitForState(id, 'Completed');
    await page.waitForSelector(`${card(id)} .result`, WAIT);
    const s = await cardState(id);
    assert.equal(s.percent, '100%');
    assert.equal(s.result, '{"message":"Processing completed"}');
    await page.waitForSelector(`${card(id)} .conn[data-conn="closed"]`, WAIT);
    const rec = await signedTaskStream(id);
    // Dropped every 700 ms and resumed on the same signed URL.
    assert.ok(rec.opens >= 2, `resumed with the token: ${rec.opens} opens`);
    assertNoRepeats(rec);
    const progress = rec.events.filter((e) => e.type === 'pode.progress').map((e) => Number(e.data));
    assert.equal(progress.at(-1), 100, `progress: ${progress}`);
    assert.equal(rec.events.filter((e) => e.type === 'pode.taskCompleted').length, 1);
    assert.equal(rec.events.at(-1).type, 'pode.close');
  }
  await waitForState(sse, 'Completed');
  const s = await cardState(sse);
  assert.equal(s.events.length, 2, `both events once: ${JSON.stringify(s.events)}`);
  assert.equal(s.result, '{"message":"Done"}');
  assertNoRepeats(await signedTaskStream(sse));

  // The feed of "Test events" follows /sse's task through the task's own stream.
  const sel = `#feed li[data-task-id="${sse}"]`;
  await page.waitForSelector(`${sel}[data-type="pode.taskCompleted"]`, WAIT);
  const feed = await page.$$eval(sel, (els) =>
    els.map((e) => ({ type: e.dataset.type, text: e.querySelector('.feed-text').textContent })));
  const messages = feed.filter((f) => f.type === 'message').map((f) => f.text).reverse();
  assert.equal(messages.length, 2, `feed: ${JSON.stringify(feed)}`);
  assert.match(messages[0], /^Start - Hello there!/);
  assert.deepEqual(feed.filter((f) => f.type === 'pode.taskCompleted').map((f) => f.text),
    ['Completed']);
  // process-data is in another group: not in this feed.
  assert.equal(await page.$$eval(`#feed li[data-task-id="${first}"]`, (els) => els.length), 0);
  return [second, sse];
}

async function runWithAuth(base) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  page = await context.newPage();
  const problems = [];
  const browserLogged = [];
  const requests = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && msg.type() !== 'warning') return;
    if (msg.args().length > 0) problems.push(`console.${msg.type()}: ${msg.text()}`);
    else browserLogged.push({ text: msg.text(), url: msg.location().url });
  });
  page.on('request', (r) => requests.push(r));
  await page.addInitScript(recordStreams);

  await pageListsTheRoutes(base);
  await theFeedFallsBackToTaskStreams('Test events');
  const first = await theKeyIsAskedOnce();
  const [second, sse] = await tasksRunThroughTheirSignedStreams(first);
  const cancelled = await aCancelledTaskShowsAborted();
  // Followed again with the key known: the group stream is tried again (a group of a route
  // open to anyone would need no key), refused once, and the feed falls back again.
  await page.click('#feed-close');
  await page.waitForSelector('#feed-conn[data-conn="closed"]', WAIT);
  assert.match(await page.textContent('#feed-hint'), /^Every event of the group's tasks/);
  await theFeedFallsBackToTaskStreams('Test events', 2);
  await startARunningReport();

  // The key: never in a URL, never stored; sent in the Authorization header of fetches.
  assert.ok(requests.length > 10, `requests seen: ${requests.length}`);
  for (const r of requests) assert.ok(!r.url().includes(KEY), `the key is in ${r.url()}`);
  const stored = await page.evaluate(() => JSON.stringify({
    local: Object.entries(localStorage),
    session: Object.entries(sessionStorage),
    cookie: document.cookie,
  }));
  assert.ok(!stored.includes(KEY), `the key is stored: ${stored}`);
  assert.equal(stored, '{"local":[],"session":[],"cookie":""}');
  const invocations =
    requests.filter((r) => r.method() === 'POST' && r.url() === `${base}/process-data`);
  const sent = await Promise.all(
    invocations.map(async (r) => (await r.allHeaders()).authorization ?? null));
  assert.deepEqual(sent, [null, null, 'Bearer not-the-key', `Bearer ${KEY}`, `Bearer ${KEY}`]);
  const streams = requests.filter(
    (r) => r.resourceType() === 'eventsource' && r.url().includes('&token='));
  assert.ok(streams.length >= 5, `signed streams opened: ${streams.length}`);
  for (const r of streams)
    assert.equal((await r.allHeaders()).authorization, undefined, 'a stream sends no key');

  assert.deepEqual(problems, [], 'no page errors, no console errors from scripts');
  // What the browser logs itself: the 401s of the first call, the wrong key, the group stream
  // and the page's one look at why it was refused.
  const unexpected = browserLogged.filter((m) => !/status of 401 \(Unauthorized\)/.test(m.text));
  assert.deepEqual(unexpected, [], 'the browser logged no error but the expected 401s');

  if (screenshot) {
    const shot = screenshot.replace(/\.png$/, '') + '-auth.png';
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`browser (auth): screenshot ${shot}`);
  }
  console.log(`browser (auth): tasks ${first}, ${second} (process-data), ${sse} (sse), ` +
    `${cancelled} (cancelled), key asked once, never in a URL or storage`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const base = await startNode();
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const problems = [];
  const browserLogged = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && msg.type() !== 'warning') return;
    // A console.* call from a script has arguments; what the browser logs itself has none.
    if (msg.args().length > 0) problems.push(`console.${msg.type()}: ${msg.text()}`);
    else browserLogged.push({ text: msg.text(), url: msg.location().url });
  });
  await page.addInitScript(recordStreams);

  await pageListsTheRoutes(base);
  await followTheGroup('Test events');
  const [a, b] = await twoTasksRunAtOnceToTheirResults();
  const sse = await customEventsAppearInTheCardAndTheFeed();
  const cancelled = await aCancelledTaskShowsAborted();
  await anErrorAnswerIsShown();
  await startARunningReport();

  assert.deepEqual(problems, [], 'no page errors, no console errors from scripts');
  const unexpected = browserLogged.filter((m) =>
    !(m.url === `${base}/process-data` && /status of 400 \(Bad Request\)/.test(m.text)));
  assert.deepEqual(unexpected, [], 'the browser logged no error but the provoked 400');
  assert.equal(browserLogged.length, 1, 'the provoked 400 was logged once');

  if (screenshot) {
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  console.log(`browser: tasks ${a}, ${b} (process-data), ${sse} (sse), ${cancelled} (cancelled)`);

  await runWithAuth(await startAuthNode());

  console.log(`browser: Chromium ${browser.version()}, ${Date.now() - started} ms` +
    (screenshot ? `, screenshot ${screenshot}` : ''));
  console.log('browser: all checks passed');
  await cleanup();
  process.exit(0);
} catch (err) {
  await fail(err);
}

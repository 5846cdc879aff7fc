// herald with the npm `eventsource` client (the WHATWG EventSource for Node): a real node
// binary on 127.0.0.1, the demo app with short durations, and a stream lifetime shorter than
// a task so that the server drops the client mid-task. Checks that the client receives every
// progress value and the completion, reconnects by itself with `Last-Event-ID`, misses and
// repeats nothing, and that a reconnect after the end gets 204 and stops.
//
// Then a second node with auth on (`auth.required`, one API key): a task invoked with the key
// is followed through its signed `Sse.Url` by a client that sends no header at all; a tampered
// token is refused (401) and streams nothing; a group stream is refused without a credential
// and opens with the key in the `Authorization` header (through the client's `fetch` option).
//
// Usage: node eventsource_test.mjs PATH_TO_HERALD
import { EventSource } from 'eventsource';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node eventsource_test.mjs PATH_TO_HERALD');
  process.exit(2);
}

const deadline = setTimeout(() => fail(new Error('timed out after 60 s')), 60_000);
const nodes = [];
const dirs = [];

function fail(err) {
  console.error('FAIL:', err?.stack ?? err);
  cleanup();
  process.exit(1);
}

function cleanup() {
  clearTimeout(deadline);
  for (const node of nodes) if (node.exitCode === null) node.kill('SIGTERM');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

/** Starts herald on a free port with `extra` config; resolves with its base URL once it
 * listens. */
function startNode(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-es-'));
  dirs.push(dir);
  const config = join(dir, 'herald.json');
  writeFileSync(config, JSON.stringify({
    bind: '127.0.0.1',
    port: 0,
    demo: { tick_ms: 60, report_ms: 600, event_gap_ms: 300 },
    // Streams end after 500 ms (the task takes 20 x 60 ms): the client must reconnect.
    sse: { retry_ms: 100, stream_lifetime_ms: 500 },
    // Its own admin port: the default one may be taken by another node on this machine.
    admin: { port: 0 },
    ...extra,
  }));
  const node = spawn(binary, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  nodes.push(node);
  node.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') fail(new Error(`herald exited: ${code} ${signal}`));
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const m = out.match(/herald listening on 127\.0\.0\.1:(\d+)/);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    };
    node.stdout.on('data', onData);
    node.stderr.on('data', onData);
    setTimeout(() => reject(new Error('herald did not start: ' + out)), 10_000);
  });
}

/** Opens an EventSource that records the Last-Event-ID of each of its requests. */
function open(url, extraHeaders = {}) {
  const requests = [];
  const es = new EventSource(url, {
    fetch: (input, init) => {
      const headers = { ...(init?.headers ?? {}), ...extraHeaders };
      requests.push({ lastEventId: headers['Last-Event-ID'] ?? headers['last-event-id'] ?? null });
      return fetch(input, { ...init, headers });
    },
  });
  return { es, requests };
}

async function taskStreamSurvivesDrops(base) {
  const res = await fetch(`${base}/process-data`, { method: 'POST' });
  assert.equal(res.status, 202);
  const task = await res.json();
  assert.equal(task.Sse.Url, `/process-data_events?Id=${task.Id}`);

  const { es, requests } = open(base + task.Sse.Url);
  const progress = [];
  const ids = [];
  let lastIdBeforeDrop = null;
  let completed;
  await new Promise((resolve, reject) => {
    es.addEventListener('pode.progress', (e) => {
      progress.push(Number(e.data));
      ids.push(e.lastEventId);
    });
    es.addEventListener('pode.taskCompleted', (e) => {
      completed = JSON.parse(e.data);
      ids.push(e.lastEventId);
    });
    // Pode's client pattern: close on pode.close.
    es.addEventListener('pode.close', () => {
      es.close();
      resolve();
    });
    es.onerror = () => {
      // The drop: remember where the client was, to compare with what it sends back.
      if (lastIdBeforeDrop === null && ids.length > 0) lastIdBeforeDrop = ids[ids.length - 1];
    };
    setTimeout(() => reject(new Error('no pode.close within 20 s')), 20_000);
  });

  assert.ok(requests.length >= 2, `the client reconnected (${requests.length} requests)`);
  assert.equal(requests[0].lastEventId, null);
  assert.ok(lastIdBeforeDrop !== null, 'the server dropped the stream mid-task');
  assert.equal(requests[1].lastEventId, lastIdBeforeDrop, 'reconnect sent Last-Event-ID');
  assert.equal(new Set(ids).size, ids.length, 'no event twice');
  for (let i = 1; i < progress.length; i++)
    assert.ok(progress[i] > progress[i - 1], `progress increases: ${progress}`);
  assert.equal(progress[progress.length - 1], 100);
  assert.deepEqual(completed, { Id: task.Id, State: 'Completed' });
  return { task, lastId: ids[ids.length - 1] };
}

async function reconnectAfterTheEndGets204(base, task, lastId) {
  const { es, requests } = open(base + task.Sse.Url, { 'Last-Event-ID': lastId });
  let messages = 0;
  es.onmessage = () => messages++;
  await new Promise((resolve, reject) => {
    es.onerror = () => {
      // 204 is final for an EventSource: it closes and does not reconnect.
      if (es.readyState === EventSource.CLOSED) resolve();
    };
    setTimeout(() => reject(new Error('the client did not stop after 204')), 5_000);
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(requests.length, 1);
  assert.equal(messages, 0);
}

async function groupStreamSeesEveryTask(base) {
  const { es } = open(`${base}/sse_events`);
  // Listeners first: the task's first event may arrive before the invocation's answer.
  const seen = [];
  const completions = [];
  let onCompleted = () => {};
  es.onmessage = (e) => seen.push(JSON.parse(e.data));
  es.addEventListener('pode.taskCompleted', (e) => {
    completions.push(JSON.parse(e.data));
    onCompleted();
  });
  await new Promise((resolve) => es.addEventListener('pode.open', resolve));
  const res = await fetch(`${base}/sse`);
  assert.equal(res.status, 202);
  const task = await res.json();
  assert.equal(task.Sse.Group, 'Test events');
  await new Promise((resolve, reject) => {
    onCompleted = () => {
      if (completions.some((c) => c.Id === task.Id)) resolve();
    };
    onCompleted();
    setTimeout(() => reject(new Error('no completion on the group stream')), 10_000);
  });
  es.close();
  const done = completions.find((c) => c.Id === task.Id);
  assert.deepEqual(done.Result, { message: 'Done' }); // send_result on /sse
  const mine = seen.filter((m) => m.Id === task.Id).map((m) => m.Data);
  assert.equal(mine.length, 2, `both events of the task: ${JSON.stringify(seen)}`);
  assert.match(mine[0], /^Start - Hello there!/);
  assert.match(mine[1], /^End - Goodbye!/);
}

// -- with auth on --------------------------------------------------------------------------

const KEY = randomBytes(24).toString('hex');
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function startAuthNode() {
  return startNode({
    auth: { required: true, keys: [{ key_sha256: sha256(KEY), user: 'ann', groups: ['ops'] }] },
    // The default lifetime: these streams are followed to their end in one go.
    sse: { retry_ms: 100 },
  });
}

/** Records what a stream receives until `pode.close` (resolves) or a final error. */
function follow(es) {
  const got = { progress: [], completed: [], errors: [], closed: false };
  const done = new Promise((resolve, reject) => {
    es.addEventListener('pode.progress', (e) => got.progress.push(Number(e.data)));
    es.addEventListener('pode.taskCompleted', (e) => got.completed.push(JSON.parse(e.data)));
    es.addEventListener('pode.close', () => {
      got.closed = true;
      es.close();
      resolve(got);
    });
    es.onerror = (e) => {
      got.errors.push(e.code ?? null);
      if (es.readyState === EventSource.CLOSED) resolve(got);
    };
    setTimeout(() => reject(new Error('the stream neither closed nor failed within 20 s')), 20_000);
  });
  return done;
}

async function signedStreamUrlNeedsNoHeader(base) {
  const anonymous = await fetch(`${base}/process-data`, { method: 'POST' });
  assert.equal(anonymous.status, 401, 'auth.required: no credential, no task');
  const res = await fetch(`${base}/process-data`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}` },
  });
  assert.equal(res.status, 202);
  const task = await res.json();
  assert.equal(task.User, 'ann');
  assert.ok(task.Sse.Url.startsWith(`/process-data_events?Id=${task.Id}&token=`), task.Sse.Url);
  assert.ok(!task.Sse.Url.includes(KEY), 'the key is not in the stream URL');

  // Without the token the same stream is refused.
  const bare = await fetch(`${base}/process-data_events?Id=${task.Id}`);
  assert.equal(bare.status, 401);

  // A client that sends no header, as a browser's EventSource: the URL is the credential.
  const requests = [];
  const es = new EventSource(base + task.Sse.Url, {
    fetch: (input, init) => {
      requests.push(Object.keys(init?.headers ?? {}).map((h) => h.toLowerCase()));
      return fetch(input, init);
    },
  });
  const got = await follow(es);
  assert.ok(got.closed, `pode.close arrived (errors ${JSON.stringify(got.errors)})`);
  assert.ok(requests.every((h) => !h.includes('authorization')), 'no Authorization sent');
  assert.equal(got.progress.at(-1), 100, `progress: ${got.progress}`);
  assert.deepEqual(got.completed, [{ Id: task.Id, State: 'Completed' }]);
  return task;
}

async function aTamperedTokenIsRefused(base, task) {
  const url = new URL(base + task.Sse.Url);
  const token = url.searchParams.get('token');
  assert.ok(token && token.length > 8);
  // One character in the middle of the signature changed (not the last one, whose low bits
  // may be padding): same length, same alphabet.
  const at = token.lastIndexOf('.') + 10;
  assert.ok(at > 10 && at < token.length - 1, token);
  const tampered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
  url.searchParams.set('token', tampered);
  const plain = await fetch(url);
  assert.equal(plain.status, 401);
  assert.match(plain.headers.get('www-authenticate') ?? '', /^Bearer /);
  await plain.body?.cancel();

  const es = new EventSource(url.href);
  const got = await follow(es);
  assert.equal(es.readyState, EventSource.CLOSED, 'no reconnecting after a refusal');
  assert.deepEqual(got.errors, [401]);
  assert.equal(got.progress.length + got.completed.length, 0, 'nothing streamed');
  assert.equal(got.closed, false);
}

async function aGroupStreamNeedsTheKey(base) {
  const group = `${base}/sse/${encodeURIComponent('Test events')}`;
  const refused = new EventSource(group);
  const got = await follow(refused);
  assert.equal(refused.readyState, EventSource.CLOSED);
  assert.deepEqual(got.errors, [401], 'no credential: refused, no reconnect');

  // With the key in a header (the client's fetch option): it opens and sees a task.
  const es = new EventSource(group, {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init?.headers, Authorization: `Bearer ${KEY}` } }),
  });
  const messages = [];
  const completions = [];
  let onCompleted = () => {};
  es.onmessage = (e) => messages.push(JSON.parse(e.data));
  es.addEventListener('pode.taskCompleted', (e) => {
    completions.push(JSON.parse(e.data));
    onCompleted();
  });
  await new Promise((resolve, reject) => {
    es.addEventListener('pode.open', resolve);
    es.onerror = (e) => reject(new Error(`the group stream failed: ${e.code} ${e.message}`));
  });
  es.onerror = null;
  const res = await fetch(`${base}/sse`, { headers: { 'X-API-Key': KEY } });
  assert.equal(res.status, 202);
  const task = await res.json();
  await new Promise((resolve, reject) => {
    onCompleted = () => {
      if (completions.some((c) => c.Id === task.Id)) resolve();
    };
    onCompleted();
    setTimeout(() => reject(new Error('no completion on the group stream')), 10_000);
  });
  es.close();
  assert.equal(messages.filter((m) => m.Id === task.Id).length, 2);
}

try {
  const base = await startNode();
  const { task, lastId } = await taskStreamSurvivesDrops(base);
  await reconnectAfterTheEndGets204(base, task, lastId);
  await groupStreamSeesEveryTask(base);

  const authBase = await startAuthNode();
  const owned = await signedStreamUrlNeedsNoHeader(authBase);
  await aTamperedTokenIsRefused(authBase, owned);
  await aGroupStreamNeedsTheKey(authBase);
  console.log('eventsource: all checks passed');
  cleanup();
  process.exit(0);
} catch (err) {
  fail(err);
}

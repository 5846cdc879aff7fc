// herald with the npm `eventsource` client (the WHATWG EventSource for Node): a real node
// binary on 127.0.0.1, the demo app with short durations, and a stream lifetime shorter than
// a task so that the server drops the client mid-task. Checks that the client receives every
// progress value and the completion, reconnects by itself with `Last-Event-ID`, misses and
// repeats nothing, and that a reconnect after the end gets 204 and stops.
//
// Usage: node eventsource_test.mjs PATH_TO_HERALD
import { EventSource } from 'eventsource';
import { spawn } from 'node:child_process';
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
let node;
let dir;

function fail(err) {
  console.error('FAIL:', err?.stack ?? err);
  cleanup();
  process.exit(1);
}

function cleanup() {
  clearTimeout(deadline);
  if (node && node.exitCode === null) node.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Starts herald on a free port; resolves with its base URL once it listens. */
function startNode() {
  dir = mkdtempSync(join(tmpdir(), 'herald-es-'));
  const config = join(dir, 'herald.json');
  writeFileSync(config, JSON.stringify({
    bind: '127.0.0.1',
    port: 0,
    demo: { tick_ms: 60, report_ms: 600, event_gap_ms: 300 },
    // Streams end after 500 ms (the task takes 20 x 60 ms): the client must reconnect.
    sse: { retry_ms: 100, stream_lifetime_ms: 500 },
    // Its own admin port: the default one may be taken by another node on this machine.
    admin: { port: 0 },
  }));
  node = spawn(binary, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
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

try {
  const base = await startNode();
  const { task, lastId } = await taskStreamSurvivesDrops(base);
  await reconnectAfterTheEndGets204(base, task, lastId);
  await groupStreamSeesEveryTask(base);
  console.log('eventsource: all checks passed');
  cleanup();
  process.exit(0);
} catch (err) {
  fail(err);
}

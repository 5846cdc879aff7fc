// The demo page of herald (SPEC §6): lists the node's async routes, starts their tasks and
// follows each one live. Plain script: no framework, no build step, nothing from elsewhere.
//
// Every task is followed the way a front end written for Pode does it: invoke the route with
// fetch, read `Sse.Url` from the answer, open an EventSource on it, and listen to
// `pode.progress`, the custom events, `pode.taskCompleted` and `pode.close`. A route without
// SSE is followed by polling `GET /tasks/{id}?wait=`.
//
// With auth on (SPEC §4.8), the first 401 opens a dialog that asks for an API key; the key is
// kept in a variable of this script only (never in storage, never in a URL), and every later
// request sends it as `Authorization: Bearer`. A task's `Sse.Url` then carries a signed token
// for that one stream, so its EventSource needs no header. A group stream has no such token
// and an EventSource cannot send the key: when a group stream is refused for want of a
// credential, the group feed shows the events of the tasks started from this page, taken from
// their own streams.
//
// Nothing from the server or from an event is ever inserted as markup: text goes through
// `textContent` only (and the page's Content-Security-Policy forbids inline script anyway).
'use strict';

(() => {
  // Browsers open at most six connections per server over HTTP/1.1 and an EventSource holds
  // one while it is open. Task streams share four of them, so that the group feed and the
  // page's own requests always find one; a task past that waits for a free stream, then gets
  // all of its events anyway (the server replays a task's events from its start).
  const TASK_STREAMS = 4;
  const FEED_ITEMS = 200; // the group feed keeps the newest ones
  const SEEN_IDS = 5000; // ids remembered per stream to drop a repeated event
  const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

  const byId = (id) => document.getElementById(id);

  /** A new element with a class and a text (never markup). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** The JSON body of a response, or null when it has none. */
  async function readJson(res) {
    try {
      return await res.json();
    } catch {
      return null;
    }
  }

  /** `400 Bad Request: <the server's Error>` for an answer that is not the expected one. */
  function describe(res, body) {
    let text = `${res.status}${res.statusText ? ' ' + res.statusText : ''}`;
    if (body && typeof body.Error === 'string') text += `: ${body.Error}`;
    const retry = res.headers.get('Retry-After');
    if (retry) text += ` (retry after ${retry} s)`;
    return text;
  }

  function clock(date = new Date()) {
    const two = (n) => String(n).padStart(2, '0');
    return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // -- credential ----------------------------------------------------------------------------

  /** The API key, in memory only, and the dialog's pending answer while it is open. */
  const auth = { key: null, asking: null };

  /**
   * Asks for a key in the page's dialog; resolves with it, or with null when the dialog is
   * dismissed. Requests that meet a 401 while it is open wait for the same answer.
   */
  function askForKey(refused) {
    if (auth.asking) return auth.asking;
    const dialog = byId('key-dialog');
    const form = byId('key-form');
    const input = byId('key-input');
    const error = byId('key-error');
    const before = document.activeElement;
    error.textContent = refused ? 'The node did not accept this key.' : '';
    error.hidden = !refused;
    input.value = '';
    auth.asking = new Promise((resolve) => {
      const done = (key) => {
        form.removeEventListener('submit', onSubmit);
        byId('key-cancel').removeEventListener('click', onCancel);
        dialog.removeEventListener('cancel', onCancel);
        input.value = ''; // the key lives in `auth.key` only
        if (dialog.open) dialog.close();
        auth.asking = null;
        // The browser moves the focus out of a closed dialog only at its next rendering: out
        // now, so that the element waiting for it (see `start`) finds it free.
        if (dialog.contains(document.activeElement)) document.activeElement.blur();
        if (before && typeof before.focus === 'function' && document.contains(before))
          before.focus();
        resolve(key);
      };
      const onSubmit = (e) => {
        e.preventDefault();
        const key = input.value.trim();
        if (!key) {
          input.focus();
          return;
        }
        auth.key = key;
        done(key);
      };
      const onCancel = (e) => {
        e.preventDefault();
        done(null);
      };
      form.addEventListener('submit', onSubmit);
      byId('key-cancel').addEventListener('click', onCancel);
      dialog.addEventListener('cancel', onCancel); // Escape
    });
    dialog.showModal();
    input.focus();
    return auth.asking;
  }

  /**
   * `fetch` with the key when there is one. A 401 asks for a key (again when the one sent was
   * refused) and retries with it; dismissing the dialog gives the 401 back to the caller.
   */
  async function api(url, init = {}) {
    for (;;) {
      const key = auth.key;
      const headers = { ...(init.headers || {}) };
      if (key) headers.Authorization = `Bearer ${key}`;
      const res = await fetch(url, { ...init, headers });
      if (res.status !== 401) return res;
      // Another request may have got a new key meanwhile: retry with it without asking.
      if (auth.key && auth.key !== key) continue;
      if (key) auth.key = null;
      if ((await askForKey(Boolean(key))) === null) return res;
    }
  }

  /** Remembers event ids, so that an event seen before is not shown twice. */
  class SeenIds {
    constructor() {
      this.ids = new Set();
    }
    /** True the first time `event`'s id comes (and for events without an id). */
    fresh(event) {
      const id = event.lastEventId;
      if (!id) return true;
      if (this.ids.has(id)) return false;
      this.ids.add(id);
      if (this.ids.size > SEEN_IDS) this.ids.delete(this.ids.values().next().value);
      return true;
    }
  }

  // -- task streams ------------------------------------------------------------------------

  const streams = { open: 0, waiting: [] };

  function acquireStream(card) {
    if (streams.open < TASK_STREAMS) {
      streams.open++;
      card.openStream();
    } else {
      streams.waiting.push(card);
      card.setConn('waiting', 'waiting for a free connection');
    }
  }

  function releaseStream() {
    streams.open--;
    while (streams.waiting.length > 0) {
      const next = streams.waiting.shift();
      if (!next.removed) {
        streams.open++;
        next.openStream();
        return;
      }
    }
  }

  // -- a task ------------------------------------------------------------------------------

  const tasksBox = byId('tasks');
  const cards = new Set();

  function updateEmpty() {
    byId('tasks-empty').hidden = cards.size > 0;
  }

  /** The card of one task: its state, progress bar, custom events and outcome. */
  class TaskCard {
    constructor(task, route) {
      this.id = task.Id;
      this.route = route;
      this.done = false;
      this.removed = false;
      this.es = null;
      this.sseUrl = task.Sse && typeof task.Sse.Url === 'string' ? task.Sse.Url : null;
      this.seen = new SeenIds();
      this.reconnects = 0;

      const root = el('article', 'task');
      root.dataset.taskId = this.id;
      root.dataset.reconnects = '0';
      this.root = root;

      const head = el('div', 'task-head');
      head.append(el('span', 'task-route', task.AsyncRouteId || route.Id));
      this.state = el('span', 'state');
      head.append(this.state);
      this.cancelButton = el('button', 'danger small cancel', 'Cancel');
      this.cancelButton.type = 'button';
      this.cancelButton.addEventListener('click', () => this.cancel());
      if (task.Cancellable === false) this.cancelButton.hidden = true;
      head.append(this.cancelButton);
      root.append(head);

      const meta = el('div', 'task-meta');
      meta.append(el('span', 'label', 'Id'), el('code', 'task-id', this.id));
      this.conn = el('span', 'conn');
      meta.append(this.conn);
      root.append(meta);

      const row = el('div', 'progress-row');
      this.bar = el('progress', 'bar');
      this.bar.max = 100;
      this.bar.value = 0;
      this.bar.setAttribute('aria-label', `Progress of task ${this.id}`);
      this.percent = el('span', 'percent', '0%');
      row.append(this.bar, this.percent);
      root.append(row);

      this.events = el('ol', 'events');
      this.events.hidden = true;
      root.append(this.events);
      this.outcome = el('div', 'outcome');
      this.outcome.hidden = true;
      root.append(this.outcome);
      this.notice = el('p', 'notice');
      this.notice.hidden = true;
      this.notice.setAttribute('role', 'alert');
      root.append(this.notice);

      this.apply(task);
    }

    /** Starts following the task: its stream when the route has SSE, else polling. */
    follow() {
      if (this.done) return;
      if (this.sseUrl) acquireStream(this);
      else this.poll();
    }

    setConn(kind, text) {
      this.conn.dataset.conn = kind;
      this.conn.textContent = text;
    }

    setState(state) {
      if (!state) return;
      this.root.dataset.state = state;
      this.state.dataset.state = state;
      this.state.textContent = state;
    }

    setProgress(value) {
      if (!Number.isFinite(value)) return;
      const v = Math.min(100, Math.max(0, value));
      this.bar.value = v;
      this.percent.textContent = `${Number.isInteger(v) ? v : v.toFixed(2)}%`;
    }

    showNotice(text) {
      this.notice.textContent = text;
      this.notice.hidden = false;
    }

    addEvent(data) {
      const item = el('li', 'event');
      item.append(el('time', 'event-time', clock()), el('span', 'event-data', data));
      this.events.append(item);
      this.events.hidden = false;
    }

    /** Takes in a task object (from an invocation, `GET` or `DELETE /tasks/{id}`). */
    apply(task) {
      if (!task || task.Id !== this.id) return;
      if (task.IsCompleted) {
        this.finish(task, true);
        return;
      }
      if (this.done) return; // an older answer overtaken by the stream
      this.setState(task.State);
      if (typeof task.Progress === 'number') this.setProgress(task.Progress);
      if (task.State === 'NotStarted' && typeof task.QueuePosition === 'number')
        this.state.textContent = `NotStarted · queued #${task.QueuePosition}`;
    }

    /**
     * Shows how the task ended, from `pode.taskCompleted` ({Id, State, Result?, Error?}) or
     * from the task object (`fromRecord`). The event carries the result only on routes with
     * send_result, so a completion without one reads the task object once.
     */
    finish(outcome, fromRecord) {
      if (this.done && (this.finalRecord || !fromRecord)) return;
      this.done = true;
      if (fromRecord) this.finalRecord = true;
      this.setState(outcome.State);
      if (outcome.State === 'Completed') this.setProgress(100);
      else if (typeof outcome.Progress === 'number') this.setProgress(outcome.Progress);
      this.cancelButton.hidden = true;

      this.outcome.replaceChildren();
      if (typeof outcome.Error === 'string') {
        this.outcome.append(el('span', 'label', 'Error'), el('span', 'error', outcome.Error));
      } else if ('Result' in outcome) {
        this.outcome.append(el('span', 'label', 'Result'),
          el('code', 'result', JSON.stringify(outcome.Result)));
      } else if (fromRecord) {
        this.outcome.append(el('span', 'label', 'Result'), el('span', 'muted', 'none'));
      }
      this.outcome.hidden = this.outcome.childElementCount === 0;
      if (!fromRecord && outcome.State === 'Completed' && !('Result' in outcome)) this.refresh();
    }

    /** Reads the task object once more (the final state, or the result). */
    async refresh() {
      try {
        const res = await api(`/tasks/${encodeURIComponent(this.id)}`, {
          headers: { Accept: 'application/json' },
        });
        const body = await readJson(res);
        if (res.ok && body) this.apply(body);
        else this.showNotice(`Reading the task: ${describe(res, body)}`);
      } catch (err) {
        this.showNotice(`Reading the task failed: ${err.message}`);
      }
    }

    /** Pode's pattern: an EventSource on the task's `Sse.Url`. */
    openStream() {
      const es = new EventSource(this.sseUrl);
      this.es = es;
      this.setConn('connecting', 'connecting…');
      es.addEventListener('open', () => {
        this.setConn('live', this.reconnects > 0 ? `live · resumed ${this.reconnects}×` : 'live');
      });
      // A task stream says nothing of the start itself: its first progress or custom event
      // is the sign that the task runs.
      es.addEventListener('pode.progress', (e) => {
        if (!this.seen.fresh(e) || this.done) return;
        this.setState('Running');
        this.setProgress(Number(e.data));
        localFeed(this, 'pode.progress', JSON.stringify({ Id: this.id, Progress: Number(e.data) }));
      });
      // Custom events: a body's send_event with the default type arrives as `message`.
      es.addEventListener('message', (e) => {
        if (!this.seen.fresh(e)) return;
        if (!this.done) this.setState('Running');
        this.addEvent(e.data);
        localFeed(this, 'message', JSON.stringify({ Id: this.id, Data: e.data }));
      });
      es.addEventListener('pode.taskCompleted', (e) => {
        if (!this.seen.fresh(e)) return;
        localFeed(this, 'pode.taskCompleted', e.data);
        let outcome = null;
        try {
          outcome = JSON.parse(e.data);
        } catch {
          this.showNotice('The completion event is not JSON');
        }
        if (outcome && typeof outcome === 'object') this.finish(outcome, false);
      });
      es.addEventListener('pode.close', () => {
        this.closeStream('closed');
        if (!this.done) this.refresh(); // the node is stopping: show where the task stands
      });
      es.addEventListener('error', () => {
        if (this.es !== es) return;
        if (es.readyState === EventSource.CLOSED) {
          // No more reconnecting: the stream was seen to its end (204) or refused. The task
          // object tells how it stands.
          this.closeStream('closed');
          if (!this.done) this.refresh();
        } else {
          // The browser reconnects by itself with Last-Event-ID; the node replays from there.
          this.reconnects++;
          this.root.dataset.reconnects = String(this.reconnects);
          this.setConn('reconnecting', 'reconnecting…');
        }
      });
    }

    closeStream(text) {
      if (!this.es) return;
      this.es.close();
      this.es = null;
      this.setConn('closed', text);
      releaseStream();
    }

    /** Without SSE: `GET /tasks/{id}?wait=10` until the task ends. */
    async poll() {
      this.setConn('polling', 'polling');
      let failures = 0;
      while (!this.done && !this.removed) {
        try {
          const res = await api(`/tasks/${encodeURIComponent(this.id)}?wait=10`, {
            headers: { Accept: 'application/json' },
          });
          const body = await readJson(res);
          if (!res.ok || !body) {
            this.showNotice(`Reading the task: ${describe(res, body)}`);
            break;
          }
          failures = 0;
          this.apply(body);
        } catch (err) {
          if (++failures >= 5) {
            this.showNotice(`Lost contact with the node: ${err.message}`);
            break;
          }
          await sleep(1000 * failures);
        }
      }
      this.setConn('closed', this.done ? 'closed' : 'stopped');
    }

    /** `DELETE /tasks/{id}`; the answer is the task, now Aborted. */
    async cancel() {
      this.cancelButton.disabled = true;
      try {
        const res = await api(`/tasks/${encodeURIComponent(this.id)}`, {
          method: 'DELETE',
          headers: { Accept: 'application/json' },
        });
        const body = await readJson(res);
        if (res.ok && body) {
          this.apply(body);
          return;
        }
        this.showNotice(`Cancel: ${describe(res, body)}`);
      } catch (err) {
        this.showNotice(`Cancel failed: ${err.message}`);
      }
      this.cancelButton.disabled = false;
    }

    remove() {
      this.removed = true;
      this.closeStream('closed');
      this.root.remove();
      cards.delete(this);
      updateEmpty();
    }
  }

  byId('clear-finished').addEventListener('click', () => {
    for (const card of [...cards]) if (card.done) card.remove();
  });

  // -- routes ------------------------------------------------------------------------------

  /** Invokes `route` as Pode's clients do, then follows the task it created. */
  async function start(route, form, errorBox, button) {
    errorBox.hidden = true;
    let path = route.Path;
    for (const name of route.Parameters || []) {
      const value = form.elements.namedItem(`param-${name}`).value.trim();
      if (!value) {
        errorBox.textContent = `Fill in ${name}.`;
        errorBox.hidden = false;
        return;
      }
      path = path.replace(`{${name}}`, encodeURIComponent(value));
    }
    const init = { method: route.Method, headers: { Accept: 'application/json' } };
    const bodyField = form.elements.namedItem('body');
    if (bodyField && bodyField.value.trim() !== '') {
      // Sent as typed: the node is the judge of what is JSON (400 otherwise).
      init.body = bodyField.value;
      init.headers['Content-Type'] = 'application/json';
    }
    // A disabled button loses the focus (to the body, or to the key dialog meanwhile): it
    // gets it back once the call is over, for keyboard users.
    const focused = document.activeElement === button;
    button.disabled = true;
    let res;
    let body;
    try {
      res = await api(path, init);
      body = await readJson(res);
    } catch (err) {
      errorBox.textContent = `The node did not answer: ${err.message}`;
      errorBox.hidden = false;
      return;
    } finally {
      button.disabled = false;
      if (focused && (document.activeElement === document.body || !document.activeElement))
        button.focus();
    }
    if (res.status !== 202 || !body || typeof body.Id !== 'string') {
      errorBox.textContent = describe(res, body);
      errorBox.hidden = false;
      return;
    }
    const card = new TaskCard(body, route);
    cards.add(card);
    tasksBox.prepend(card.root);
    updateEmpty();
    card.follow();
  }

  function renderRoute(route) {
    const item = el('li', 'route');
    item.dataset.routeId = route.Id;

    const head = el('div', 'route-head');
    const method = el('span', `method method-${String(route.Method).toLowerCase()}`, route.Method);
    head.append(method, el('code', 'path', route.Path));
    item.append(head);

    const facts = [];
    facts.push(route.Sse ? `group ${route.Sse.Group}` : 'no SSE: polled');
    facts.push(`${route.MaxConcurrent} at once`);
    if (route.Sse && route.Sse.SendResult) facts.push('result in the stream');
    if (!route.Cancellable) facts.push('not cancellable');
    item.append(el('p', 'route-facts', facts.join(' · ')));

    const form = el('form', 'route-form');
    form.noValidate = true;
    for (const name of route.Parameters || []) {
      const input = el('input', 'param');
      input.name = `param-${name}`;
      input.placeholder = name;
      input.setAttribute('aria-label', `${route.Id} parameter ${name}`);
      form.append(input);
    }
    if (BODY_METHODS.has(route.Method)) {
      const body = el('textarea', 'body');
      body.name = 'body';
      body.rows = 1;
      body.spellcheck = false;
      body.placeholder = 'JSON body (optional)';
      body.setAttribute('aria-label', `${route.Id} JSON body`);
      form.append(body);
    }
    const button = el('button', 'primary start', 'Start');
    button.type = 'submit';
    form.append(button);
    item.append(form);

    const errorBox = el('p', 'route-error');
    errorBox.hidden = true;
    errorBox.setAttribute('role', 'alert');
    item.append(errorBox);

    form.addEventListener('submit', (e) => {
      e.preventDefault();
      start(route, form, errorBox, button);
    });
    return item;
  }

  async function loadRoutes() {
    const status = byId('routes-status');
    let routes;
    try {
      const res = await api('/ui/routes', { headers: { Accept: 'application/json' } });
      routes = await readJson(res);
      if (!res.ok || !Array.isArray(routes)) {
        status.textContent = `The route list could not be read: ${describe(res, routes)}`;
        status.classList.add('error');
        return;
      }
    } catch (err) {
      status.textContent = `The route list could not be read: ${err.message}`;
      status.classList.add('error');
      return;
    }
    const list = byId('routes');
    list.replaceChildren(...routes.map(renderRoute));
    status.textContent = routes.length === 0 ? 'This node serves no async route.' : '';
    status.hidden = routes.length > 0;

    const groups = [...new Set(routes.filter((r) => r.Sse).map((r) => r.Sse.Group))];
    byId('feed-groups').replaceChildren(...groups.map((g) => {
      const option = el('option');
      option.value = g;
      return option;
    }));
    const input = byId('feed-group');
    if (!input.value && groups.length > 0) input.value = groups[0];
  }

  // -- group feed --------------------------------------------------------------------------

  // `es`: the group stream; `local`: the group whose events come from this page's own task
  // streams instead (auth on, see the top of this file); `opened` counts the feeds opened, so
  // that a late answer about one is not applied to the next.
  const feed = { es: null, seen: null, local: null, opened: 0 };
  const feedList = byId('feed');
  const feedConn = byId('feed-conn');

  function setFeedConn(kind, text) {
    feedConn.dataset.conn = kind;
    feedConn.textContent = text;
  }

  /** A feed entry from a group stream's event: `{Id, Progress}`, `{Id, Data}`,
   * `{Id, State, ...}`, or a publication's data as it was sent. */
  function addFeedItem(type, data) {
    let parsed = null;
    try {
      parsed = JSON.parse(data);
    } catch {
      // a publication's plain text
    }
    let task = '';
    let text = data;
    if (parsed && typeof parsed === 'object' && typeof parsed.Id === 'string') {
      task = parsed.Id;
      if (type === 'pode.progress') text = `${parsed.Progress}%`;
      else if (type === 'pode.taskCompleted')
        text = parsed.State + (typeof parsed.Error === 'string' ? ` · ${parsed.Error}` : '');
      else if ('Data' in parsed)
        text = typeof parsed.Data === 'string' ? parsed.Data : JSON.stringify(parsed.Data);
    }
    const item = el('li', 'feed-item');
    item.dataset.type = type;
    if (task) item.dataset.taskId = task;
    const label = type === 'pode.progress' ? 'progress'
      : type === 'pode.taskCompleted' ? 'completed' : type;
    item.append(el('time', 'event-time', clock()), el('span', 'feed-type', label));
    const who = el('code', 'feed-task', task ? task.slice(0, 8) : '');
    if (task) who.title = task;
    item.append(who, el('span', 'feed-text', text));
    feedList.prepend(item);
    while (feedList.childElementCount > FEED_ITEMS) feedList.lastElementChild.remove();
  }

  const feedHint = byId('feed-hint');
  const feedHintNodes = [...feedHint.childNodes]; // the page's own text, put back on close

  /** An event of `card`'s own stream, into the feed when it follows the card's group. */
  function localFeed(card, type, data) {
    if (feed.local !== null && card.route.Sse && card.route.Sse.Group === feed.local)
      addFeedItem(type, data);
  }

  /**
   * The feed without a group stream: a group stream needs a credential that an EventSource
   * cannot send, so the feed shows the events of this page's tasks in `group`, as their own
   * (signed) streams bring them.
   */
  function openLocalFeed(group) {
    feed.local = group;
    byId('feed-close').disabled = false;
    setFeedConn('live', `this page's tasks · ${group}`);
    feedHint.textContent = 'With auth on, a browser cannot present its key on a group stream: ' +
      "the feed shows the events of the tasks started here, from each task's own stream.";
  }

  /** Why `/sse/<group>` refused the EventSource: true when it is for want of a credential. */
  async function refusedForCredential(url) {
    const abort = new AbortController();
    try {
      const res = await fetch(url, {
        signal: abort.signal,
        headers: { Accept: 'text/event-stream' },
      });
      return res.status === 401;
    } catch {
      return false;
    } finally {
      abort.abort(); // a stream that opened after all is not read
    }
  }

  function closeFeed() {
    feed.opened++;
    if (feed.es) feed.es.close();
    feed.es = null;
    feed.local = null;
    feedHint.replaceChildren(...feedHintNodes);
    byId('feed-close').disabled = true;
    setFeedConn('closed', 'closed');
  }

  function openFeed(group) {
    closeFeed();
    feedList.replaceChildren();
    const url = `/sse/${encodeURIComponent(group)}`;
    const which = feed.opened;
    const es = new EventSource(url);
    feed.es = es;
    feed.seen = new SeenIds();
    let opened = false;
    byId('feed-close').disabled = false;
    setFeedConn('connecting', 'connecting…');
    es.addEventListener('open', () => {
      opened = true;
      setFeedConn('live', `live · ${group}`);
    });
    for (const type of ['pode.progress', 'message', 'pode.taskCompleted']) {
      es.addEventListener(type, (e) => {
        if (feed.seen.fresh(e)) addFeedItem(type, e.data);
      });
    }
    es.addEventListener('error', () => {
      if (feed.es !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        feed.es = null;
        byId('feed-close').disabled = true;
        setFeedConn('closed', opened ? 'closed by the node' : 'refused by the node');
        // Refused at once (an EventSource does not retry a 401): when it wants a credential,
        // follow the group through this page's task streams instead. The stream is tried
        // each time, even with a key: a group of a route open to anyone needs none.
        if (!opened) {
          refusedForCredential(url).then((credential) => {
            if (credential && feed.opened === which) openLocalFeed(group);
          });
        }
      } else {
        setFeedConn('reconnecting', 'reconnecting…');
      }
    });
  }

  byId('feed-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const group = byId('feed-group').value.trim();
    if (group) openFeed(group);
  });
  byId('feed-close').addEventListener('click', closeFeed);

  updateEmpty();
  loadRoutes();
})();

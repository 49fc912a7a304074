// The operator console: plain browser JavaScript, no build step. It talks to the public API
// with the token the operator pasted (kept in sessionStorage, sent only as a Bearer header) and
// renders every value with textContent, never as HTML.
(() => {
  const $ = (id) => document.getElementById(id);
  const store = window.sessionStorage;
  const tokens = { admin: store.getItem('pl.admin') || '', app: store.getItem('pl.app') || '' };
  const readToken = () => tokens.admin || tokens.app;

  /** Builds an element; `props.text` sets textContent, `on*` adds listeners. */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== undefined && c !== null) e.append(c);
    return e;
  }
  const pill = (state) => el('span', { class: `pill ${state}`, text: state });
  const idLink = (id) =>
    el('a', {
      class: 'id',
      text: id,
      href: '#',
      title: 'Show the trace',
      onclick: (ev) => {
        ev.preventDefault();
        trace(id);
      },
    });
  const time = (v) => {
    const d = new Date(typeof v === 'number' ? v : Date.parse(v));
    return Number.isNaN(d.getTime()) ? String(v) : d.toLocaleTimeString();
  };
  function setStatus(id, text, kind) {
    const p = $(id);
    p.textContent = text;
    p.className = `status${kind ? ` ${kind}` : ''}`;
  }

  /** Calls the API; throws an Error carrying the platform's `code: message` on non-2xx answers. */
  async function api(method, path, opts = {}) {
    const headers = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    if (!res.ok) {
      const e = data?.error;
      const err = new Error(e ? `${e.code}: ${e.message}` : `HTTP ${res.status}`);
      err.status = res.status;
      err.details = e ? e.details : undefined;
      throw err;
    }
    return data;
  }

  // --- tokens ---
  $('admin-token').value = tokens.admin;
  $('app-key').value = tokens.app;
  function describeTokens() {
    const have = [tokens.admin && 'admin token', tokens.app && 'app key'].filter(Boolean);
    if (have.length) setStatus('token-status', `Using the ${have.join(' and ')} (this tab only).`, 'ok');
    else setStatus('token-status', 'Paste the admin token (printed at start) or an app key.', '');
  }
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    tokens.admin = $('admin-token').value.trim();
    tokens.app = $('app-key').value.trim();
    store.setItem('pl.admin', tokens.admin);
    store.setItem('pl.app', tokens.app);
    describeTokens();
    loadTemplates();
    loadInbox();
  });
  $('token-forget').addEventListener('click', () => {
    tokens.admin = '';
    tokens.app = '';
    store.removeItem('pl.admin');
    store.removeItem('pl.app');
    $('admin-token').value = '';
    $('app-key').value = '';
    stopEvents();
    describeTokens();
    loadTemplates();
    loadInbox();
  });
  $('app-create').addEventListener('click', async () => {
    if (!tokens.admin)
      return setStatus('templates-status', 'Creating an app key needs the admin token.', 'bad');
    try {
      const app = await api('POST', '/v1/admin/apps', { token: tokens.admin, body: { name: 'console' } });
      tokens.app = app.apiKey;
      store.setItem('pl.app', tokens.app);
      $('app-key').value = tokens.app;
      describeTokens();
      setStatus(
        'templates-status',
        `Created app "${app.name}" (#${app.id}); its key is now used for sending.`,
        'ok',
      );
    } catch (err) {
      setStatus('templates-status', err.message, 'bad');
    }
  });

  // --- templates ---
  async function loadTemplates() {
    const body = $('templates-body');
    body.replaceChildren();
    if (!tokens.admin) return setStatus('templates-status', 'Listing templates needs the admin token.', '');
    try {
      const page = await api('GET', '/v1/admin/templates?pageSize=100', { token: tokens.admin });
      setStatus('templates-status', `${page.total} template(s). Click a row to send with it.`, '');
      for (const t of page.items) {
        const toggle = t.status === 'active' ? 'pause' : 'start';
        const row = el(
          'tr',
          { class: 'pick', onclick: () => useTemplate(t.id) },
          el('td', { class: 'mono', text: String(t.id) }),
          el('td', { text: t.name }),
          el('td', { class: 'mono', text: `${t.channel}.${t.messageType}` }),
          el('td', {}, pill(t.status)),
          el('td', { class: 'mono', text: t.cron || '—' }),
          el(
            'td',
            {},
            el('button', {
              class: 'ghost small',
              type: 'button',
              text: toggle,
              title: toggle === 'pause' ? 'Pause scheduled (cron) runs' : 'Resume scheduled runs',
              onclick: (ev) => {
                ev.stopPropagation();
                setTemplateStatus(t.id, toggle);
              },
            }),
          ),
        );
        body.append(row);
      }
    } catch (err) {
      setStatus('templates-status', err.message, 'bad');
    }
  }
  function useTemplate(id) {
    $('send-template').value = String(id);
    $('send-receivers').focus();
  }
  async function setTemplateStatus(id, action) {
    try {
      await api('POST', `/v1/admin/templates/${id}/${action}`, { token: tokens.admin });
      await loadTemplates();
    } catch (err) {
      setStatus('templates-status', err.message, 'bad');
    }
  }
  $('templates-refresh').addEventListener('click', loadTemplates);

  // --- send ---
  $('send-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ids = $('send-ids');
    ids.replaceChildren();
    if (!tokens.app) {
      return setStatus('send-status', 'Sending needs an app key: paste one, or use "Create app key".', 'bad');
    }
    let variables;
    try {
      variables = JSON.parse($('send-variables').value.trim() || '{}');
      if (!variables || typeof variables !== 'object' || Array.isArray(variables)) throw new Error();
    } catch {
      return setStatus('send-status', 'Variables must be a JSON object, e.g. {"name": "Ann"}.', 'bad');
    }
    const receivers = $('send-receivers')
      .value.split(/[\s,;]+/)
      .filter(Boolean);
    const body = { templateId: Number($('send-template').value), messages: [{ receivers, variables }] };
    if ($('send-at').value) body.sendAt = new Date($('send-at').value).toISOString();
    setStatus('send-status', 'Sending…', '');
    try {
      const res = await api('POST', '/v1/send', { token: tokens.app, body });
      setStatus('send-status', `Accepted ${res.accepted} message(s), request ${res.requestId}.`, 'ok');
      for (const id of res.messageIds) ids.append(el('li', {}, idLink(id)));
      setTimeout(loadInbox, 300);
      // The aggregator folds the first events within a moment; show where the first message is.
      if (res.messageIds[0]) setTimeout(() => trace(res.messageIds[0]), 800);
    } catch (err) {
      const more = err.details ? ` ${JSON.stringify(err.details).slice(0, 300)}` : '';
      setStatus('send-status', err.message + more, 'bad');
    }
  });

  // --- sandbox inbox ---
  const contentText = (c) => {
    if (c === null || c === undefined) return '';
    if (typeof c === 'string') return c;
    if (typeof c.text === 'string' && typeof c.subject === 'string') return `${c.subject}\n${c.text}`;
    if (typeof c.text === 'string') return c.text;
    return JSON.stringify(c);
  };
  let inboxBusy = false;
  async function loadInbox() {
    const token = readToken();
    if (!token) {
      $('inbox-body').replaceChildren();
      return setStatus('inbox-status', 'Paste a token to see what the sandbox channel delivered.', '');
    }
    if (inboxBusy) return;
    inboxBusy = true;
    try {
      const page = await api('GET', '/v1/sandbox/messages?limit=25', { token });
      const rows = page.items.map((m) =>
        el(
          'tr',
          {},
          el('td', { class: 'mono', text: time(m.sentAt) }),
          el('td', { text: m.receiver }),
          el('td', { class: 'content', text: contentText(m.content) }),
          el('td', {}, idLink(m.messageId)),
        ),
      );
      $('inbox-body').replaceChildren(...rows);
      setStatus('inbox-status', `${page.total} message(s) in the sandbox inbox; newest first.`, '');
    } catch (err) {
      setStatus('inbox-status', err.message, 'bad');
    } finally {
      inboxBusy = false;
    }
  }
  setInterval(() => {
    if ($('inbox-auto').checked && document.visibilityState === 'visible') loadInbox();
  }, 2000);

  // --- trace ---
  async function trace(id) {
    $('trace-id').value = id;
    $('trace-summary').replaceChildren();
    $('trace-timeline').replaceChildren();
    const token = readToken();
    if (!token) return setStatus('trace-status', 'Paste a token first.', 'bad');
    try {
      const t = await api('GET', `/v1/messages/${encodeURIComponent(id)}`, { token });
      setStatus('trace-status', '', '');
      $('trace-summary').append(
        pill(t.state),
        ` template ${t.templateId} · ${t.channel} · `,
        el('span', { class: 'mono', text: t.receiver }),
      );
      for (const s of t.timeline) {
        $('trace-timeline').append(
          el(
            'li',
            {},
            el('span', { class: 'mono', text: `${time(s.at)} ` }),
            pill(s.state),
            s.reason ? ` ${s.reason}` : '',
          ),
        );
      }
    } catch (err) {
      const hint = err.status === 404 ? ' Events are folded within a second or two; try again.' : '';
      setStatus('trace-status', err.message + hint, 'bad');
    }
  }
  $('trace-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = $('trace-id').value.trim();
    if (id) trace(id);
  });

  // --- live events: fetch + a streamed body (EventSource cannot send the Authorization header) ---
  let events;
  function stopEvents() {
    if (events) events.abort();
    events = undefined;
    $('events-toggle').textContent = 'Start';
  }
  function showEvent(e) {
    const list = $('events-list');
    list.prepend(
      el(
        'li',
        {},
        el('span', { class: 'time', text: time(e.at) }),
        pill(e.state),
        idLink(e.messageId),
        el('span', { text: `${e.receiver} · template ${e.templateId}${e.reason ? ` · ${e.reason}` : ''}` }),
      ),
    );
    while (list.children.length > 200) list.lastChild.remove();
  }
  async function startEvents() {
    const token = readToken();
    if (!token) return setStatus('events-status', 'Paste a token first.', 'bad');
    const ctl = new AbortController();
    events = ctl;
    $('events-toggle').textContent = 'Stop';
    const tpl = $('events-template').value.trim();
    const url = `/v1/events/stream${tpl ? `?templateId=${encodeURIComponent(tpl)}` : ''}`;
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: ctl.signal });
      if (!res.ok || !res.body) throw new Error(`${res.status}: ${(await res.text()).slice(0, 200)}`);
      setStatus('events-status', 'Connected: newest events on top.', 'ok');
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
        let end = buf.indexOf('\n\n');
        while (end >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          end = buf.indexOf('\n\n');
          let name = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) name = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (name === 'lifecycle') showEvent(JSON.parse(data.join('\n')));
          else if (name === 'dropped')
            setStatus('events-status', 'Some events were skipped (too many at once).', '');
        }
      }
      if (events === ctl) setStatus('events-status', 'The stream ended.', '');
    } catch (err) {
      if (events === ctl) setStatus('events-status', `Live events unavailable: ${err.message}`, 'bad');
    }
    if (events === ctl) stopEvents();
  }
  $('events-toggle').addEventListener('click', () => (events ? stopEvents() : startEvents()));

  describeTokens();
  loadTemplates();
  loadInbox();
})();

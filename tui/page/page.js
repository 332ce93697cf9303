// sticky's page: the terminal viewer's model, stepped in a browser.
//
// Everything the page says was worked out by sticky-view in C++ and is in the JSON above:
// which message every byte came from (lib's provenance), each call's label and what it
// holds, the decoder's state after each framed recv, the texts in the page's language, the
// keys of tui/keymap.cpp. This script only steps through the events as tui/model.cpp does
// (next, back, home, end, select, connection) and draws. No library: a few hundred lines do it.
'use strict';
(function () {
  performance.mark('sticky-start');
  const D = JSON.parse(document.getElementById('sticky-data').textContent);
  performance.mark('sticky-parsed');
  const S = D.S, calls = D.calls, names = D.names, texts = D.texts, ops = D.ops, refs = D.refs;
  const N = ops.length;
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  // fmt's "{}", "{0}", "{:>2}" and "{{" — the catalogue's texts use them.
  const fmt = (template, ...args) => {
    let next = 0;
    return template.replace(/\{\{|\}\}|\{(\d*)(?::[^}]*)?\}/g, (m, id) =>
      m === '{{' ? '{' : m === '}}' ? '}' : String(args[id === '' || id === undefined ? next++ : Number(id)]));
  };
  const count = (n) => fmt(n === 1 ? S.byte : S.bytes, n);
  // Fields left out of a call where they say nothing (tui/html.cpp).
  for (const c of calls) {
    if (c.t === undefined) c.t = c.m;  // bytes the trace kept
    if (c.k === undefined) c.k = c.t;  // bytes this page keeps
    if (c.o === undefined) c.o = -1;   // what provenance says the call holds
    if (c.f === undefined) c.f = 0;    // 1 truncated, 2 datagram, 4 end of stream
  }

  // Bytes as the viewer shows them (sticky::printable in lib/src/bytes.cpp, the same rules):
  // valid UTF-8 as its characters (粘包), \n \r \t \\, any other byte as \xNN.
  const utf8 = new TextDecoder('utf-8');
  const hex2 = (n) => (n < 16 ? '0' : '') + n.toString(16);
  function printable(bytes, from = 0, to = bytes.length) {
    let out = '';
    for (let i = from; i < to; ++i) {
      const c = bytes[i];
      if (c >= 0x80) {
        const n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
        let whole = n > 0 && i + n <= to;
        for (let k = 1; whole && k < n; ++k) whole = (bytes[i + k] & 0xc0) === 0x80;
        if (whole) {
          out += utf8.decode(bytes.subarray(i, i + n));
          i += n - 1;
        } else {
          out += '\\x' + hex2(c);
        }
      } else if (c === 0x0a) out += '\\n';
      else if (c === 0x0d) out += '\\r';
      else if (c === 0x09) out += '\\t';
      else if (c === 0x5c) out += '\\\\';
      else if (c < 0x20 || c === 0x7f) out += '\\x' + hex2(c);
      else out += String.fromCharCode(c);
    }
    return out;
  }
  const wide = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{20000}-\u{3fffd}]/u;
  // The start of a printable text that fits `columns` (a Chinese character takes two), never
  // cutting an escape in half.
  function fit(text, columns) {
    let used = 0, at = 0;
    const units = text.match(/\\x[0-9a-f]{2}|\\.|[\s\S]/gu) || [];
    for (const u of units) {
      const w = wide.test(u) ? 2 : u.length;
      if (used + w > columns) return [text.slice(0, at), true, used];
      used += w;
      at += u.length;
    }
    return [text, false, used];
  }
  window.sticky = { printable, fit };  // for the tests, which compare them with lib's
  const bytesOf = new Map();  // call -> its bytes, decoded from base64 when first shown
  function callBytes(i) {
    let b = bytesOf.get(i);
    if (!b) {
      const raw = atob(calls[i].d || '');
      b = new Uint8Array(raw.length);
      for (let k = 0; k < raw.length; ++k) b[k] = raw.charCodeAt(k);
      if (bytesOf.size > 400) bytesOf.clear();
      bytesOf.set(i, b);
    }
    return b;
  }
  const name = (i) => (i >= 0 ? names[i] : '');
  const callName = (c) => name(c.w) + ' ' + name(c.l);

  // ---------------------------------------------------------------- the model (tui/model.cpp)
  const state = {
    shown: 0, sel: null, conn: 0, playing: false, speed: 2, pane: 0, extra: 0,
    predict: !!D.predict, answers: new Map(), right: 0, asked: 0, verdict: '', asking: null,
  };
  // Events that change nothing on screen are stepped over, so every key press shows something.
  const shows = (i) => 'xsner'.includes(ops[i]);
  const lastStep = new Int32Array(N);
  let firstResult = N;
  for (let i = 0, h = -1; i < N; ++i) {
    if (ops[i] === 's') h = i;
    lastStep[i] = h;
    if (ops[i] === 'r' && firstResult === N) firstResult = i;
  }
  const visibleEnd = (shown) => {  // calls [0, visibleEnd) belong to shown events
    let lo = 0, hi = calls.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (calls[mid].e < shown) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  const passes = (i) => state.conn === 0 || calls[i].c === state.conn;
  const previousVisible = (before) => {
    for (let i = Math.min(before, visibleEnd(state.shown)); i-- > 0;) if (passes(i)) return i;
    return null;
  };
  const nextVisible = (after) => {
    for (let i = after + 1, end = visibleEnd(state.shown); i < end; ++i) if (passes(i)) return i;
    return null;
  };
  const selected = () => {
    const s = state.sel;
    if (s !== null && s < visibleEnd(state.shown) && passes(s)) return s;
    return previousVisible(calls.length);
  };
  const reselect = () => { state.sel = previousVisible(calls.length); };
  const nextPosition = (p) => {
    if (p < N) ++p;
    while (p < N && !shows(p - 1)) ++p;
    return p;
  };
  const connections = [...new Set(calls.map((c) => c.c))].sort((a, b) => a - b);

  // --predict: the recvs the terminal asks about — all but the third and later of a run of
  // the same call (harness/predict.cpp).
  const askable = new Uint8Array(calls.length);
  {
    let last = null, repeats = 0;
    calls.forEach((c, i) => {
      if (c.s) return;
      const key = c.c + '|' + c.w + '|' + c.l;
      repeats = key === last ? repeats + 1 : 1;
      last = key;
      askable[i] = repeats <= 2 ? 1 : 0;
    });
  }

  const actions = {
    next() {
      const target = nextPosition(state.shown);
      if (state.predict) {
        for (let i = visibleEnd(state.shown), end = visibleEnd(target); i < end; ++i) {
          if (askable[i] && !state.answers.has(i)) return ask(i);
        }
      }
      state.shown = target;
      reselect();
    },
    back() { if (state.shown > 0) --state.shown; reselect(); },
    home() { state.shown = 0; reselect(); },
    end() {
      if (state.predict) {  // every question on the way is still asked
        while (state.shown < N && !state.asking) actions.next();
        return;
      }
      state.shown = N;
      reselect();
    },
    play() {
      state.playing = !state.playing;
      schedule();
    },
    faster() { state.speed = Math.min(64, state.speed * 2); schedule(); },
    slower() { state.speed = Math.max(1, Math.floor(state.speed / 2)); schedule(); },
    up() {
      const s = selected();
      if (s === null) return;
      const p = previousVisible(s);
      if (p !== null) state.sel = p;
    },
    down() {
      const s = selected();
      if (s === null) return;
      const n = nextVisible(s);
      if (n !== null) state.sel = n;
    },
    pane() { state.pane = (state.pane + 1) % 3; focusPane(); },
    connection() {
      if (connections.length < 2) { state.conn = 0; return; }
      const at = connections.indexOf(state.conn);
      state.conn = state.conn === 0 ? connections[0] : at < 0 || at + 1 === connections.length ? 0 : connections[at + 1];
      reselect();
    },
    help() { $('help').hidden = false; },
    quit() { $('help').hidden = true; },
    predict() {
      state.predict = !state.predict;
      if (!state.predict) closeQuestion();
    },
    theme() {
      const dark = getComputedStyle(document.documentElement).colorScheme.includes('dark');
      document.documentElement.dataset.theme = dark ? 'light' : 'dark';
      try { localStorage.setItem('sticky-theme', document.documentElement.dataset.theme); } catch (e) { /* file:// may refuse */ }
    },
  };

  // ---------------------------------------------------------------- predict
  function ask(i) {
    state.asking = i;
    state.playing = false;
    const c = calls[i];
    $('question-text').textContent = fmt(S.predict_q, name(c.w), name(c.l)).replace(/\s*>\s*$/, '');
    $('question').hidden = false;
    const input = $('guess');
    input.value = '';
    input.focus();
  }
  function closeQuestion() {
    state.asking = null;
    $('question').hidden = true;
    document.activeElement && document.activeElement.blur && document.activeElement.blur();
  }
  function answer(text) {
    const i = state.asking;
    if (i === null) return;
    const guess = /^\s*\d+\s*$/.test(text) ? Number(text) : -1;
    const c = calls[i];
    const right = guess === c.m;
    state.answers.set(i, guess);
    state.asked += 1;
    if (right) state.right += 1;
    const word = guess < 0 ? S.no_guess : right ? S.right : S.wrong;
    state.verdict = fmt(S.verdict, callName(c), count(c.m), word, state.right, state.asked);
    closeQuestion();
    actions.next();
    draw();
  }
  $('question').addEventListener('submit', (e) => { e.preventDefault(); answer($('guess').value); });
  $('skip').addEventListener('click', () => answer(''));

  // ---------------------------------------------------------------- play
  let timer = null;
  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!state.playing) return;
    timer = setTimeout(() => {
      actions.next();
      if (state.shown >= N) state.playing = false;
      draw();
      schedule();
    }, 1000 / state.speed);
  }

  // ---------------------------------------------------------------- drawing
  const WINDOW = 150;  // calls drawn at once; earlier ones a click away, so 10,000 calls draw fast
  const PREVIEW = 240;  // columns of a call's bytes shown as text; the hex pane shows them all
  const nodes = new Map();
  const stepsBefore = new Map();  // call index -> step events between it and the call before
  {
    let c = 0;
    for (let i = 0; i < N; ++i) {
      if (ops[i] === 'x') ++c;
      else if (ops[i] === 's' && c < calls.length) {
        if (!stepsBefore.has(c)) stepsBefore.set(c, []);
        stepsBefore.get(c).push(i);
      }
    }
  }

  function callNode(i) {
    let node = nodes.get(i);
    if (node) return node;
    const c = calls[i];
    node = el('div', 'call ' + (c.s ? 'send' : 'recv'));
    node.dataset.call = i;
    node.dataset.bytes = c.m;
    const head = el('div', 'head');
    head.append(el('span', 'who', name(c.w)), el('span', 'label', name(c.l)));  // a long name gives way first
    if (c.f & 1) head.append(el('span', 'trunc', S.truncated));
    head.append(el('span', 'count', '→ ' + count(c.m)));
    node.append(head);
    const bytes = el('div', 'bytes');
    const data = callBytes(i);
    let room = PREVIEW, cut = false;
    for (const [msg, begin, size, flags] of c.p) {
      if (cut) break;
      let text, used;
      [text, cut, used] = fit(printable(data, begin, begin + size), room);
      room -= used;
      const span = el('span', 'm m' + (msg ? ((msg - 1) % 6) + 1 : 0));
      span.dataset.msg = msg;
      span.append(el('span', 'mk', msg ? '[' + (flags & 1 ? '' : '…') + msg + ']' : '[?]'));
      span.append(document.createTextNode(text));
      bytes.append(span);
    }
    if (cut || c.m > c.k) bytes.append(el('span', 'dim', '…'));
    if (c.t === 0) bytes.append(el('span', 'dim', c.s ? S.nothing : fmt(S.zero, name(c.o))));
    node.append(bytes);
    if (c.t > 0 && c.o >= 0) node.append(el('div', 'origin', name(c.o)));
    node.addEventListener('click', () => { state.sel = i; draw(); });
    nodes.set(i, node);
    return node;
  }

  function drawCalls(sel) {
    const end = visibleEnd(state.shown);
    const visible = [];
    for (let i = 0; i < end; ++i) if (passes(i)) visible.push(i);
    const at = sel === null ? visible.length : visible.indexOf(sel);
    // In steps of 50, so that stepping on does not slide the window one call at a time.
    const start = Math.max(0, Math.floor((Math.min(at - 30, visible.length - WINDOW) - state.extra) / 50) * 50);
    const list = $('list');
    const children = [];
    if (start > 0) {
      more.textContent = fmt(S.earlier, Math.min(start, WINDOW));
      children.push(more);
    }
    for (let k = start; k < visible.length; ++k) {
      const i = visible[k];
      for (const s of stepsBefore.get(i) || []) children.push(divider(s));
      children.push(callNode(i));
    }
    // Headings shown after the last call: the part that is about to begin.
    const after = end > 0 ? calls[end - 1].e : -1;
    for (let s = after + 1; s < state.shown; ++s) if (ops[s] === 's') children.push(divider(s));
    if (visible.length === 0) children.push(noCalls);
    noCalls.textContent = S.no_calls;
    // A step usually adds a block or takes one away: the rest stays, so the browser lays out
    // only what changed.
    const now = list.children;
    let same = 0;
    while (same < now.length && same < children.length && now[same] === children[same]) ++same;
    if (same === children.length && same === now.length) {
      // nothing to do
    } else if (same === now.length) {
      list.append(...children.slice(same));
    } else if (same === children.length) {
      while (list.children.length > same) list.lastChild.remove();
    } else {
      list.replaceChildren(...children);
    }
    if (shownSel !== null && nodes.has(shownSel)) nodes.get(shownSel).classList.remove('sel');
    shownSel = sel;
    if (sel !== null) {
      nodes.get(sel).classList.add('sel');
      nodes.get(sel).scrollIntoView({ block: 'nearest' });
    }
  }
  let shownSel = null;
  const more = el('button', 'more');
  more.addEventListener('click', () => { state.extra += WINDOW; draw(); });
  const noCalls = el('div', 'dim');
  const dividers = new Map();
  function divider(s) {
    if (!dividers.has(s)) dividers.set(s, el('div', 'divider', '▶ ' + texts[refs[s]]));
    return dividers.get(s);
  }

  // The hex pane: every byte of the selected call that the page keeps, xxd style, in its
  // message's colour. Rows are drawn only where the pane is scrolled to: 256 KiB scroll smoothly.
  const hex = { call: null, bytes: null, owner: null, perRow: 16, rowHeight: 0, rows: 0, notes: [] };
  function hexFor(i) {
    if (hex.call === i) return;
    hex.call = i;
    const c = calls[i];
    hex.bytes = callBytes(i);
    hex.owner = new Float64Array(hex.bytes.length);
    for (const [msg, begin, size] of c.p) hex.owner.fill(msg, begin, begin + size);
    hex.notes = [];
    if (c.t > c.k) hex.notes.push(fmt(S.not_in_page, c.t - c.k, count(D.budget)));
    if (c.m > c.t) hex.notes.push(fmt(S.not_in_trace, c.m - c.t));
    $('hex-view').scrollTop = 0;
  }
  function drawHex(sel) {
    const rowsEl = $('hex-rows');
    if (sel === null) {
      hex.call = null;
      $('hex-title').textContent = S.hex;
      $('hex-body').style.height = '0px';
      rowsEl.replaceChildren();
      return;
    }
    const c = calls[sel];
    $('hex-title').textContent = fmt(S.hex_title, name(c.w), name(c.l), count(c.m));
    hexFor(sel);
    hex.perRow = window.innerWidth <= 700 ? 8 : 16;
    if (!hex.rowHeight) {  // measured once, and again after a resize
      const probe = el('div', 'row', '0');
      rowsEl.replaceChildren(probe);
      hex.rowHeight = probe.getBoundingClientRect().height || 20;
    }
    const dataRows = Math.ceil(hex.bytes.length / hex.perRow);
    hex.rows = dataRows + hex.notes.length;
    $('hex-body').style.height = hex.rows * hex.rowHeight + 'px';
    const view = $('hex-view');
    const first = Math.max(0, Math.floor(view.scrollTop / hex.rowHeight) - 5);
    const last = Math.min(hex.rows, first + Math.ceil(view.clientHeight / hex.rowHeight) + 10);
    const out = [];
    for (let r = first; r < last; ++r) {
      if (r >= dataRows) {
        out.push(el('div', 'row note', hex.notes[r - dataRows]));
        continue;
      }
      const row = el('div', 'row');
      row.dataset.offset = r * hex.perRow;
      row.append(el('span', 'off', (r * hex.perRow).toString(16).padStart(8, '0') + ': '));
      let ascii = '';
      for (let k = r * hex.perRow; k < Math.min(hex.bytes.length, (r + 1) * hex.perRow); ++k) {
        const b = hex.bytes[k], msg = hex.owner[k];
        row.append(el('span', 'm m' + (msg ? ((msg - 1) % 6) + 1 : 0), hex2(b)));
        if (k % 2 === 1) row.append(document.createTextNode(' '));
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      }
      const pad = hex.perRow - ascii.length;
      row.append(document.createTextNode(' '.repeat(pad * 2 + Math.ceil(pad / 2)) + ' '));
      row.append(el('span', 'asc', ascii));
      out.push(row);
    }
    rowsEl.style.top = first * hex.rowHeight + 'px';
    rowsEl.replaceChildren(...out);
  }
  $('hex-view').addEventListener('scroll', () => requestAnimationFrame(() => drawHex(selected())));

  function drawDecoder(sel) {
    const box = $('decoder');
    const x = sel === null ? null : calls[sel].x;
    box.hidden = !x;
    if (!x) return;
    const [frames, seen, size, expected, buffered, codec, error] = x;
    let text = fmt(S.decoder, frames, seen, size, expected < 0 ? '?' : expected, buffered);
    if (error >= 0) text += ' · ' + name(error);
    box.textContent = text + ' · ' + name(codec);
  }

  function drawStatus() {
    const parts = [];
    const at = state.shown - 1;
    let status = at >= 0 && 'nef'.includes(ops[at]) ? texts[refs[at]] : '';
    const atEnd = state.shown >= N;
    if (firstResult < state.shown && atEnd) status = S.result + texts[refs[firstResult]];
    if (state.conn) status = fmt(S.connection, connections.indexOf(state.conn) + 1, connections.length) + status;
    const box = $('status');
    box.replaceChildren();
    if (state.verdict) parts.push(el('div', 'verdict', state.verdict));
    if (state.predict && atEnd && state.asked) parts.push(el('div', 'verdict', fmt(S.score, state.right, state.asked)));
    if (status) parts.push(el('div', '', status));
    box.append(...parts);
  }

  function draw() {
    const sel = selected();
    $('step').textContent = fmt(S.step, state.shown, N) + (state.playing ? ' ▶' : '');
    const h = state.shown > 0 ? lastStep[state.shown - 1] : -1;
    $('heading').textContent = h >= 0 ? '▶ ' + texts[refs[h]] : state.shown === 0 ? S.press : '';
    drawHex(sel);  // first: it reads the layout, before the list changes it
    drawCalls(sel);
    drawDecoder(sel);
    drawStatus();
    buttons.play.textContent = state.playing ? '‖ ' + S.pause : '▷ ' + S.play;
    buttons.play.setAttribute('aria-pressed', String(state.playing));
    speedEl.textContent = fmt(S.speed, state.speed);
    buttons.predict.setAttribute('aria-pressed', String(state.predict));
    scoreEl.textContent = state.predict && state.asked ? '✓ ' + state.right + '/' + state.asked : '';
    if (buttons.connection) buttons.connection.textContent = state.conn ? '#' + state.conn : '⇄';
  }

  function focusPane() {
    $('col-sent').classList.toggle('focus', state.pane === 0);
    $('col-recv').classList.toggle('focus', state.pane === 1);
    $('calls').classList.toggle('focus', state.pane < 2);
    $('hex').classList.toggle('focus', state.pane === 2);
    (state.pane === 2 ? $('hex-view') : $('calls')).focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- keys and buttons
  const byAction = new Map(D.keys.map((k) => [k.a, k]));
  const keyToAction = new Map();
  for (const k of D.keys) for (const key of k.k) keyToAction.set(key, k.a);
  const buttons = {};
  const controls = $('controls');
  const button = (action, label, title, cls) => {
    const b = el('button', cls || '', label);
    b.type = 'button';
    b.title = title;
    b.setAttribute('aria-label', title);
    b.dataset.action = action;
    b.addEventListener('mousedown', (e) => e.preventDefault());  // keys stay with the page
    b.addEventListener('click', () => { actions[action](); draw(); });
    controls.append(b);
    buttons[action] = b;
    return b;
  };
  const helpOf = (action) => {
    const k = byAction.get(action);
    return k ? k.h + ' (' + k.t + ')' : '';
  };
  button('home', '⇤', helpOf('home'));
  button('back', '◀', helpOf('back'));
  button('next', '▶', helpOf('next'), 'primary');
  button('play', '▷', helpOf('play'));
  button('slower', '−', helpOf('slower'));
  const speedEl = el('span', 'speed');
  controls.append(speedEl);
  button('faster', '+', helpOf('faster'));
  button('end', '⇥', helpOf('end'));
  button('up', '↑', helpOf('up'));
  button('down', '↓', helpOf('down'));
  if (connections.length > 1) button('connection', '⇄', helpOf('connection'));
  controls.append(el('span', 'gap'));
  button('predict', S.predict_button, S.predict_help);
  const scoreEl = el('span', 'score');
  controls.append(scoreEl);
  button('theme', '◐', S.theme);
  button('help', '?', helpOf('help'));

  {
    const box = $('help-box');
    box.append(el('h3', '', S.keys_title));
    const table = el('table');
    for (const k of D.keys) {
      const tr = el('tr');
      tr.append(el('td', '', k.t), el('td', '', k.h));
      table.append(tr);
    }
    box.append(table);
    $('help').addEventListener('click', () => { $('help').hidden = true; });
  }
  $('keybar').textContent = D.keys.filter((k) => k.b).map((k) => k.b).join('   ');

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;  // the browser's own shortcuts
    if (state.asking !== null) {
      if (e.key === 'Escape') { e.preventDefault(); answer(''); }
      return;  // the answer box has the keys
    }
    if (!$('help').hidden) {  // any key closes the help, as in the terminal
      e.preventDefault();
      $('help').hidden = true;
      return;
    }
    const action = keyToAction.get(e.key);
    if (!action || !actions[action]) return;
    e.preventDefault();
    actions[action]();
    draw();
  });
  window.addEventListener('resize', () => { hex.rowHeight = 0; draw(); });

  $('title').textContent = D.title;
  $('claim').textContent = D.claim;
  $('claim').hidden = !D.claim;
  $('claim').addEventListener('click', () => $('claim').classList.toggle('open'));  // a phone shows two lines
  $('col-sent').textContent = S.sent;
  $('col-recv').textContent = S.received;
  $('answer').textContent = S.answer;
  $('skip').textContent = S.skip;
  try {
    const theme = localStorage.getItem('sticky-theme');
    if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  } catch (e) { /* file:// may refuse */ }
  performance.mark('sticky-set-up');
  reselect();
  draw();
  focusPane();
  document.documentElement.dataset.ready = String(Math.round(performance.now()));
})();

// taskmux dashboard: speaks only the daemon's public WebSocket API
// (docs/websocket-api.md) — a reference client. One connection: requests with
// ids, one subscription (events + followed logs), reconnect with backoff that
// resumes after the last event seq seen, so nothing is missed or doubled.
"use strict";

const MAX_LOG_LINES = 2000;
const MAX_EVENTS = 300;
const $ = (id) => document.getElementById(id);

const params = new URLSearchParams(location.search);
// A token in the URL (a daemon not bound to loopback) is kept for this tab only
// and taken out of the address bar.
if (params.has("token")) {
  sessionStorage.setItem("taskmux-token", params.get("token"));
  params.delete("token");
  history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : ""));
}
const token = sessionStorage.getItem("taskmux-token");

const state = {
  ws: null, nextId: 1, pending: new Map(), lastSeq: 0, rows: new Map(), tasks: [],
  retry: 0, logTask: "", logGrep: "", logSince: "", logRegex: null, following: true,
  statusTimer: null, eventKeys: new Set(),
};

// ---------------------------------------------------------------- connection

function wsUrl() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/` + (token ? `?token=${encodeURIComponent(token)}` : "");
}

function request(command, params = {}) {
  const ws = state.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("disconnected"));
  const id = state.nextId++;
  return new Promise((resolve, reject) => {
    state.pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ id, command, params }));
  });
}

function setConn(up, text) {
  const c = $("conn");
  c.textContent = text;
  c.className = "pill " + (up ? "up" : "down");
  document.body.dataset.connected = up ? "yes" : "no";
}

function connect() {
  setConn(false, state.retry ? "reconnecting…" : "connecting…");
  const ws = new WebSocket(wsUrl());
  state.ws = ws;
  ws.onmessage = (m) => onMessage(JSON.parse(m.data));
  ws.onopen = async () => {
    state.retry = 0;
    try {
      await refreshStatus();
      await catchUp();
      await subscribe();
      await loadLogs();
      setConn(true, "live");
    } catch (e) {
      setConn(false, "error: " + e.message);
    }
  };
  ws.onclose = () => {
    for (const p of state.pending.values()) p.reject(new Error("disconnected"));
    state.pending.clear();
    const delay = Math.min(10000, 250 * 2 ** state.retry++);
    setConn(false, `disconnected — retrying in ${(delay / 1000).toFixed(1)}s`);
    setTimeout(connect, delay);
  };
}

function onMessage(msg) {
  if (msg.type === "event") return onEvent(msg);
  if (msg.type === "log") return onLog(msg);
  if (msg.id !== undefined && state.pending.has(msg.id)) {
    const p = state.pending.get(msg.id);
    state.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(msg.error ? msg.error.message : "failed"));
  }
}

// Events recorded while we were away (the events file), then the live stream
// from the last seq on: each seq is shown once.
async function catchUp() {
  const r = await request("events", state.lastSeq ? { since_seq: state.lastSeq, lines: 1000 } : { lines: 50 });
  for (const ev of r.events) onEvent(ev);
}

function subscribe() {
  const logs = state.logTask ? [state.logTask] : state.tasks.map((t) => t.name);
  return request("subscribe", { events: true, logs, since_seq: state.lastSeq });
}

// ---------------------------------------------------------------- tasks

function tone(row) {
  const s = row.detail.state;
  if (s === "running") return row.detail.health.health === "unhealthy" ? "warn" : "ok";
  if (s === "completed") return "ok";
  if (s === "starting" || s === "backoff" || s === "stopping" || s === "waiting") return "warn";
  if (s === "exited" || s === "failed" || s === "skipped") return "bad";
  return "idle";
}

async function refreshStatus() {
  const r = await request("status");
  $("session").textContent = r.session + (r.running ? "" : " (not running)");
  document.title = `taskmux · ${r.session}`;
  state.tasks = r.tasks;
  renderTasks(r.tasks);
  renderGraph(r.tasks);
  fillLogTasks(r.tasks);
}

function scheduleStatus() {
  if (state.statusTimer) return;
  state.statusTimer = setTimeout(() => {
    state.statusTimer = null;
    refreshStatus().catch(() => {});
  }, 15);
}

function cell(tr, i) {
  return tr.children[i];
}

function newRow(name) {
  const tr = document.createElement("tr");
  tr.dataset.task = name;
  for (let i = 0; i < 10; i++) tr.appendChild(document.createElement("td"));
  cell(tr, 0).textContent = name;
  const act = cell(tr, 9);
  act.className = "actions";
  for (const [label, cmd] of [["start", "start"], ["stop", "stop"], ["restart", "restart"], ["kill", "kill"]]) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.action = cmd;
    b.setAttribute("aria-label", `${label} ${name}`);
    if (cmd === "kill") b.className = "danger";
    b.onclick = () => act_(cmd, name);
    act.appendChild(b);
  }
  return tr;
}

function fmtUptime(secs) {
  if (secs == null) return "-";
  const h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), s = Math.floor(secs % 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}

function renderTasks(tasks) {
  const tbody = document.querySelector("#tasks tbody");
  const seen = new Set();
  for (const t of tasks) {
    seen.add(t.name);
    let tr = state.rows.get(t.name);
    if (!tr) {
      tr = newRow(t.name);
      state.rows.set(t.name, tr);
    }
    tbody.appendChild(tr); // keeps config order; a no-op move when in place
    const k = tone(t);
    tr.className = k;
    tr.dataset.state = t.detail.state;
    tr.dataset.pid = t.pid ?? "";
    const st = cell(tr, 1);
    st.className = "st " + k;
    st.textContent = t.state;
    if (t.reason && !t.running) {
      const r = document.createElement("span");
      r.className = "reason";
      r.textContent = t.reason;
      st.appendChild(r);
    }
    st.title = t.reason || t.state;
    const health = t.healthy === true ? "healthy" : t.healthy === false ? "unhealthy" : "—";
    cell(tr, 2).textContent = `${t.probe}: ${health}`;
    cell(tr, 2).title = t.reason || "";
    cell(tr, 3).textContent = t.pid ?? "-";
    const port = cell(tr, 4);
    port.textContent = "";
    if (t.port) {
      const a = document.createElement("a");
      a.href = `http://localhost:${t.port}`;
      a.textContent = t.port;
      a.target = "_blank";
      a.rel = "noopener";
      port.appendChild(a);
    } else port.textContent = "-";
    tr.dataset.startedAt = t.running && t.started_at ? t.started_at : "";
    cell(tr, 5).textContent = t.running ? fmtUptime(t.uptime_seconds) : "-";
    cell(tr, 6).textContent = t.restarts;
    const exit = t.exit_signal != null ? `signal ${t.exit_signal}` : t.exit_code != null ? `code ${t.exit_code}` : "-";
    cell(tr, 7).textContent = exit;
    cell(tr, 8).textContent = t.depends_on.length ? t.depends_on.join(", ") : "-";
  }
  for (const [name, tr] of state.rows) {
    if (!seen.has(name)) {
      tr.remove();
      state.rows.delete(name);
    }
  }
}

// Uptime ticks without asking the daemon.
setInterval(() => {
  const now = Date.now();
  for (const tr of state.rows.values()) {
    const at = tr.dataset.startedAt;
    if (at) cell(tr, 5).textContent = fmtUptime((now - Date.parse(at)) / 1000);
  }
}, 1000);

function ask(text) {
  const d = $("confirm");
  $("confirm-text").textContent = text;
  return new Promise((resolve) => {
    d.onclose = () => resolve(d.returnValue === "ok");
    d.returnValue = "";
    d.showModal();
    $("confirm-ok").focus();
  });
}

async function act_(command, task) {
  if (command === "kill" && !(await ask(`Kill ${task}? Its whole process group gets SIGKILL.`))) return;
  const params = task ? { task } : {};
  try {
    await request(command, params);
  } catch (e) {
    alertLine(`${command} ${task || ""}: ${e.message}`);
  }
  scheduleStatus();
}

$("start-all").onclick = () => act_("start");
$("stop-all").onclick = async () => {
  if (await ask("Stop every task? The tmux session ends.")) act_("stop");
};

// ---------------------------------------------------------------- graph

const SVG = "http://www.w3.org/2000/svg";

function levels(tasks) {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const level = new Map();
  const depth = (n, seen = new Set()) => {
    if (level.has(n)) return level.get(n);
    if (seen.has(n)) return 0;
    seen.add(n);
    const deps = (byName.get(n)?.depends_on || []).filter((d) => byName.has(d));
    const l = deps.length ? 1 + Math.max(...deps.map((d) => depth(d, seen))) : 0;
    level.set(n, l);
    return l;
  };
  tasks.forEach((t) => depth(t.name));
  return level;
}

function renderGraph(tasks) {
  const svg = $("graph");
  const level = levels(tasks);
  const cols = new Map();
  for (const t of tasks) {
    const l = level.get(t.name);
    if (!cols.has(l)) cols.set(l, []);
    cols.get(l).push(t);
  }
  const W = 150, H = 34, GX = 60, GY = 14, PAD = 10;
  const pos = new Map();
  let maxRows = 0;
  for (const [l, col] of cols) {
    col.forEach((t, i) => pos.set(t.name, { x: PAD + l * (W + GX), y: PAD + i * (H + GY) }));
    maxRows = Math.max(maxRows, col.length);
  }
  const width = PAD * 2 + cols.size * (W + GX) - GX, height = PAD * 2 + maxRows * (H + GY) - GY;
  svg.setAttribute("viewBox", `0 0 ${Math.max(width, 10)} ${Math.max(height, 10)}`);
  svg.style.height = `${Math.max(height, 40)}px`;
  svg.style.maxWidth = `${Math.max(width, 10)}px`;
  svg.replaceChildren();
  const defs = document.createElementNS(SVG, "defs");
  defs.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker>';
  svg.appendChild(defs);
  for (const t of tasks) {
    for (const d of t.depends_on) {
      const a = pos.get(d), b = pos.get(t.name);
      if (!a || !b) continue;
      const p = document.createElementNS(SVG, "path");
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
      p.setAttribute("d", `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`);
      p.setAttribute("class", "edge");
      svg.appendChild(p);
    }
  }
  for (const t of tasks) {
    const { x, y } = pos.get(t.name);
    const g = document.createElementNS(SVG, "g");
    g.setAttribute("class", "node " + tone(t));
    g.dataset.task = t.name;
    const r = document.createElementNS(SVG, "rect");
    r.setAttribute("x", x); r.setAttribute("y", y); r.setAttribute("width", W); r.setAttribute("height", H);
    const tx = document.createElementNS(SVG, "text");
    tx.setAttribute("x", x + 8); tx.setAttribute("y", y + H / 2 + 4);
    tx.textContent = `${t.name} · ${t.state}`.slice(0, 24);
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${t.name}: ${t.state}${t.reason ? " — " + t.reason : ""}`;
    g.append(r, tx, title);
    svg.appendChild(g);
  }
}

// ---------------------------------------------------------------- events

function eventText(ev) {
  const d = Object.entries(ev)
    .filter(([k]) => !["type", "seq", "ts", "event", "task"].includes(k))
    .filter(([, v]) => v !== null && typeof v !== "object")
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return `${ev.ts.slice(11, 23)}  ${ev.event}${ev.task ? " " + ev.task : ""}${d ? "  " + d : ""}`;
}

function onEvent(ev) {
  if (ev.seq <= state.lastSeq) return; // seen already
  state.lastSeq = ev.seq;
  const li = document.createElement("li");
  li.className = "k-" + ev.event;
  li.dataset.seq = ev.seq;
  li.textContent = eventText(ev);
  const list = $("events");
  list.prepend(li);
  while (list.children.length > MAX_EVENTS) list.lastChild.remove();
  scheduleStatus();
}

function alertLine(text) {
  const li = document.createElement("li");
  li.className = "k-failed";
  li.textContent = `${new Date().toISOString().slice(11, 23)}  ${text}`;
  $("events").prepend(li);
}

// ---------------------------------------------------------------- logs

function fillLogTasks(tasks) {
  const sel = $("log-task");
  const have = new Set([...sel.options].map((o) => o.value));
  for (const t of tasks) {
    if (!have.has(t.name)) sel.add(new Option(t.name, t.name));
  }
}

function smartRegex(p) {
  if (!p) return null;
  return new RegExp(p, /[A-Z]/.test(p) ? "" : "i");
}

function logLine(l) {
  const div = document.createElement("div");
  div.className = "ln";
  const ts = document.createElement("span");
  ts.className = "ts";
  ts.textContent = l.ts.slice(11, 23) + " ";
  const tk = document.createElement("span");
  tk.className = "tk";
  tk.textContent = l.task + " | ";
  div.append(ts, tk, document.createTextNode(l.line));
  return div;
}

function appendLines(lines) {
  const box = $("log");
  const frag = document.createDocumentFragment();
  for (const l of lines) frag.appendChild(logLine(l));
  box.appendChild(frag);
  let extra = box.children.length - MAX_LOG_LINES;
  while (extra-- > 0) box.firstChild.remove();
  if (state.following) box.scrollTop = box.scrollHeight;
}

// Live lines are batched: one DOM update (and one scroll) per frame, however
// fast the tasks print; a batch longer than the page keeps is cut first.
let pendingLines = [];
let flushing = false;

function onLog(l) {
  if (state.logTask && l.task !== state.logTask) return;
  if (state.logRegex && !state.logRegex.test(l.line)) return;
  pendingLines.push(l);
  if (pendingLines.length > MAX_LOG_LINES) pendingLines = pendingLines.slice(-MAX_LOG_LINES);
  if (!flushing) {
    flushing = true;
    requestAnimationFrame(() => {
      flushing = false;
      const batch = pendingLines;
      pendingLines = [];
      appendLines(batch);
    });
  }
}

async function loadLogs() {
  const p = { lines: 500 };
  if (state.logTask) p.task = state.logTask;
  if (state.logGrep) p.grep = state.logGrep;
  if (state.logSince) p.since = state.logSince;
  const r = await request("logs", p);
  pendingLines = [];
  $("log").replaceChildren();
  appendLines(r.lines);
  $("log-state").textContent = `${r.lines.length} line(s)` + (state.following ? ", following" : ", paused (scroll to the bottom to follow)");
}

async function logsChanged() {
  const grep = $("log-grep");
  try {
    state.logRegex = smartRegex(grep.value);
    grep.setAttribute("aria-invalid", "false");
  } catch {
    grep.setAttribute("aria-invalid", "true");
    return;
  }
  state.logTask = $("log-task").value;
  state.logGrep = grep.value;
  state.logSince = $("log-since").value;
  try {
    await subscribe();
    await loadLogs();
  } catch (e) {
    $("log-state").textContent = e.message;
  }
}

let grepTimer = null;
$("log-grep").addEventListener("input", () => {
  clearTimeout(grepTimer);
  grepTimer = setTimeout(logsChanged, 250);
});
$("log-task").addEventListener("change", logsChanged);
$("log-since").addEventListener("change", logsChanged);
$("log-form").addEventListener("submit", (e) => {
  e.preventDefault();
  logsChanged();
});
$("log").addEventListener("scroll", () => {
  const box = $("log");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 4;
  if (atBottom !== state.following) {
    state.following = atBottom;
    $("log-state").textContent = atBottom ? "following" : "paused (scroll to the bottom to follow)";
  }
});

connect();

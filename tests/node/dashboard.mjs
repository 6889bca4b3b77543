// The dashboard in a real browser (headless Debian chromium driven by
// playwright-core) against a real daemon. Run by tests/dashboard.rs with the
// sandbox environment, TASKMUX_BIN, PORT (the daemon's) and SESSION; prints one
// JSON report, exits 1 on a failed expectation.
import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";

const fail = async (msg) => {
  console.error(`FAIL: ${msg}`);
  await browser?.close().catch(() => {});
  process.exit(1);
};
const expect = async (cond, msg) => cond || (await fail(msg));
const bin = process.env.TASKMUX_BIN;
const port = Number(process.env.PORT);
const base = `http://127.0.0.1:${port}`;
const taskmux = (...args) => execFileSync(bin, args, { env: process.env, encoding: "utf8" });
const report = {};

let browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
  ],
  // playwright gives every launch a fresh, empty profile of its own.
});
const page = await browser.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

// 1. Every task of the daemon, live.
let t0 = Date.now();
await page.goto(`${base}/ui`);
await page.waitForSelector('body[data-connected="yes"]', { timeout: 5000 });
report.usable_ms = Date.now() - t0;
const status = JSON.parse(taskmux("--json", "status"));
const names = await page.$$eval("#tasks tbody tr", (rows) => rows.map((r) => r.dataset.task));
await expect(JSON.stringify(names) === JSON.stringify(status.tasks.map((t) => t.name)), `rows ${names}`);
await expect((await page.$$("#graph .node")).length === names.length, "a graph node per task");

const row = (task) => page.locator(`#tasks tr[data-task="${task}"]`);
const attr = (task, a) => row(task).getAttribute(a);
const waitAttr = async (task, a, pred, ms, what) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await attr(task, a);
    if (pred(v)) return v;
    if (Date.now() > end) await fail(`${what}: ${task} ${a}=${v}`);
    await page.waitForTimeout(10);
  }
};

// 2. kill -9: the row shows the exit within 1 s, then running again after the restart.
const pid = Number(await waitAttr("worker", "data-pid", (v) => v && v !== "", 5000, "worker pid"));
t0 = Date.now();
process.kill(pid, "SIGKILL");
await waitAttr("worker", "data-state", (v) => v !== "running", 1000, "exited within 1 s");
report.exit_shown_ms = Date.now() - t0;
await waitAttr("worker", "data-state", (v) => v === "running", 10000, "running again after the restart");
await waitAttr("worker", "data-pid", (v) => v && Number(v) !== pid, 10000, "a new pid");

// 3. Restart from the page changes the pid.
const before = await attr("web", "data-pid");
await row("web").locator('button[data-action="restart"]').click();
await waitAttr("web", "data-pid", (v) => v && v !== before, 10000, "restart changed the pid");

// 4. A new line of the followed log shows within 500 ms.
await page.waitForFunction(() => document.querySelectorAll("#log .ln").length > 0, null, { timeout: 5000 });
const marker = `marker-${Date.now()}`;
t0 = Date.now();
execFileSync("tmux", ["send-keys", "-t", `${process.env.SESSION}:echo`, `${marker}`, "Enter"], { env: process.env });
await page.waitForFunction((m) => [...document.querySelectorAll("#log .ln")].some((l) => l.textContent.includes(m)), marker, { timeout: 500 })
  .catch(() => fail("the new log line did not show within 500 ms"));
report.log_line_ms = Date.now() - t0;

// 5. The filter filters (server-side for what is there, the same regex for what comes).
await page.fill("#log-grep", "^tick");
await page.waitForFunction(() => {
  const lines = [...document.querySelectorAll("#log .ln")];
  return lines.length > 0 && lines.every((l) => l.lastChild.textContent.startsWith("tick"));
}, null, { timeout: 3000 }).catch(() => fail("the filter did not filter"));
await page.fill("#log-grep", "");

// 6. Kill asks first; cancelling keeps the task.
await row("web").locator('button[data-action="kill"]').click();
await expect(await page.locator("dialog#confirm").isVisible(), "kill asks first");
await page.keyboard.press("Escape");
await page.waitForTimeout(200);
await expect((await attr("web", "data-state")) === "running", "cancelled kill left web running");

// 7. A page of another local origin cannot open the API's WebSocket.
const evil = createServer((_, res) => {
  res.writeHead(200, { "content-type": "text/html" });
  res.end(`<script>const w = new WebSocket("ws://127.0.0.1:${port}/");
    w.onopen = () => document.title = "opened"; w.onclose = (e) => document.title = "closed " + e.code;</script>`);
});
await new Promise((r) => evil.listen(0, "127.0.0.1", r));
const other = await browser.newPage();
const refused = new Promise((resolve) => {
  other.on("websocket", (ws) => ws.on("socketerror", resolve));
  other.on("console", (m) => /403/.test(m.text()) && resolve(m.text()));
});
await other.goto(`http://localhost:${evil.address().port}/`);
await other.waitForFunction(() => document.title.startsWith("closed"), null, { timeout: 5000 })
  .catch(() => fail("the foreign page's WebSocket was not refused"));
await expect((await other.title()) !== "opened", "never opened");
report.foreign_refused = await Promise.race([refused, new Promise((r) => setTimeout(() => r("closed"), 500))]);
await other.close();
evil.close();

// 8. The daemon restarts: the page says so, reconnects, and shows the events it
// missed exactly once.
taskmux("daemon", "stop");
await page.waitForSelector('body[data-connected="no"]', { timeout: 5000 });
await expect((await page.textContent("#conn")).includes("disconnected"), "shows disconnected");
taskmux("restart", "worker"); // recorded in events.jsonl while no daemon runs
const daemon = spawn(bin, ["daemon", "--port", String(port)], { env: process.env, stdio: "ignore", detached: true });
daemon.unref();
await page.waitForSelector('body[data-connected="yes"]', { timeout: 15000 });
const seqs = await page.$$eval("#events li[data-seq]", (lis) => lis.map((l) => Number(l.dataset.seq)));
await expect(new Set(seqs).size === seqs.length, `an event shown twice: ${seqs}`);
const recorded = taskmux("--json", "events").trim().split("\n").map((l) => JSON.parse(l).seq);
const newest = recorded.slice(-5);
for (const s of newest) await expect(seqs.includes(s), `event ${s} missing after the reconnect (have ${seqs.slice(0, 10)})`);

await expect(errors.length === 0, `page errors: ${errors}`);
await browser.close();
browser = null;
console.log(JSON.stringify(report));

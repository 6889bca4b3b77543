// Benchmark of the web dashboard in headless chromium (run by the bench's
// `dashboard` scenario with PORT, FLOOD_SECS and TASKMUX_BIN): navigation →
// usable, kill -9 → row updated, and responsiveness and DOM size while every
// task floods its log. Uses tests/node's locked playwright-core.
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";

const require = createRequire(new URL("../../tests/node/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const port = Number(process.env.PORT);
const base = `http://127.0.0.1:${port}`;
const out = {};

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic"],
});
const page = await browser.newPage();
const tasks = Number(process.env.TASKS);

// Navigation → every row there and the WebSocket live.
const usable = [];
for (let i = 0; i < Number(process.env.RUNS); i++) {
  const t0 = Date.now();
  await page.goto(`${base}/ui`);
  await page.waitForFunction((n) => document.body.dataset.connected === "yes"
    && document.querySelectorAll("#tasks tbody tr").length === n, tasks, { polling: 5, timeout: 10000 });
  usable.push(Date.now() - t0);
}
out.usable_ms = usable;

// kill -9 → its row no longer says running (the event arrives, status follows).
const status = JSON.parse(execFileSync(process.env.TASKMUX_BIN, ["--json", "status"], { env: process.env, encoding: "utf8" }));
const rowUpdate = [];
for (const t of status.tasks.slice(0, Number(process.env.RUNS))) {
  if (!t.pid) continue;
  const t0 = Date.now();
  process.kill(t.pid, "SIGKILL");
  await page.waitForFunction((n) => document.querySelector(`#tasks tr[data-task="${n}"]`).dataset.state !== "running",
    t.name, { polling: 2, timeout: 5000 });
  rowUpdate.push(Date.now() - t0);
}
out.kill_to_row_ms = rowUpdate;

// The flood: all tasks followed; the page must answer and stay bounded.
await page.selectOption("#log-task", "");
const lag = [];
let maxLines = 0;
const end = Date.now() + Number(process.env.FLOOD_SECS) * 1000;
while (Date.now() < end) {
  const t0 = Date.now();
  const lines = await page.evaluate(() => document.querySelectorAll("#log .ln").length);
  lag.push(Date.now() - t0);
  maxLines = Math.max(maxLines, lines);
  await page.waitForTimeout(250);
}
out.eval_lag_ms = lag;
out.max_log_lines = maxLines;
out.dom_nodes = await page.evaluate(() => document.getElementsByTagName("*").length);
await browser.close();
console.log(JSON.stringify(out));

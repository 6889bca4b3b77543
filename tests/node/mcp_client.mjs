// A client of another implementation (the reference TypeScript MCP SDK) drives
// `taskmux mcp` over stdio. Run by tests/mcp_node.rs with TASKMUX_BIN set and
// the sandbox's environment; prints one JSON report on stdout, exits 1 on a
// failed expectation.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";

const fail = (msg) => {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
};
const expect = (cond, msg) => cond || fail(msg);

const transport = new StdioClientTransport({
  command: process.env.TASKMUX_BIN,
  args: ["mcp"],
  env: process.env,
  cwd: process.cwd(),
  stderr: "inherit",
});
const client = new Client({ name: "node-test", version: "1.0.0" });
const pushed = [];
const waiters = [];
const onPush = (n) => {
  pushed.push(n);
  for (const w of waiters.splice(0)) w();
};
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => onPush(n));
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => onPush(n));
const waitFor = async (pred, ms) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const hit = pushed.find(pred);
    if (hit) return hit;
    const left = deadline - Date.now();
    if (left <= 0) return null;
    await new Promise((res) => {
      waiters.push(res);
      setTimeout(res, left);
    });
  }
};

const t0 = performance.now();
await client.connect(transport);
const connectMs = performance.now() - t0;
const version = client.getServerVersion();
expect(version?.name === "taskmux", `server name ${JSON.stringify(version)}`);

const { tools } = await client.listTools();
const names = tools.map((t) => t.name);
for (const want of ["status", "start", "stop", "logs", "wait", "kill", "add_task", "remove_task"]) {
  expect(names.includes(want), `tool ${want} missing: ${names}`);
}
for (const t of tools) {
  expect(t.outputSchema?.type === "object", `${t.name} has an object outputSchema`);
}

// The SDK validates structuredContent against each tool's outputSchema.
const start = await client.callTool({ name: "start", arguments: {} });
expect(!start.isError, `start: ${JSON.stringify(start)}`);
const wait = await client.callTool({ name: "wait", arguments: { timeout: "20s" } });
expect(!wait.isError && wait.structuredContent.ok === true, `wait: ${JSON.stringify(wait)}`);
const status = await client.callTool({ name: "status", arguments: {} });
expect(status.structuredContent.session === "nodestack", `status: ${JSON.stringify(status)}`);
const worker = status.structuredContent.tasks.find((t) => t.name === "worker");
expect(worker && worker.pid > 0, `worker pid: ${JSON.stringify(worker)}`);
expect(status.content[0].text.includes("worker:"), `status text: ${status.content[0].text}`);

const unknown = await client.callTool({ name: "inspect", arguments: { task: "wokrer" } });
expect(unknown.isError === true, `inspect unknown: ${JSON.stringify(unknown)}`);
expect(unknown.structuredContent.error.code === "unknown_task", "unknown_task code");
expect(unknown.content[0].text.includes("worker"), `did-you-mean: ${unknown.content[0].text}`);

const logs = await client.callTool({ name: "logs", arguments: { task: "worker", lines: 2 } });
expect(logs.structuredContent.lines.length <= 2, `logs: ${JSON.stringify(logs)}`);

// Every other tool once: the SDK checks each result against its outputSchema.
for (const [name, args] of [
  ["health", {}],
  ["check", {}],
  ["events", { lines: 5 }],
  ["inspect", { task: "web" }],
  ["add_task", { task: "extra", command: "sleep 600", auto_start: false }],
  ["remove_task", { task: "extra" }],
]) {
  const r = await client.callTool({ name, arguments: args });
  expect(!r.isError && r.structuredContent.ok === true, `${name}: ${JSON.stringify(r)}`);
  if (args.wait) {
    const row = r.structuredContent.wait?.tasks?.[0];
    expect(row?.status === "met" && row.elapsed_ms >= 0, `${name} wait: ${JSON.stringify(r)}`);
  }
}
const bad = await client.callTool({ name: "logs", arguments: { lines: "many" } });
expect(bad.isError && bad.structuredContent.error.code === "bad_request", `bad lines: ${JSON.stringify(bad)}`);

const { resources } = await client.listResources();
expect(resources.some((r) => r.uri === "taskmux://status"), "status resource");
await client.subscribeResource({ uri: "taskmux://status" });
await client.setLoggingLevel("warning");

pushed.length = 0;
const killedAt = performance.now();
process.kill(worker.pid, "SIGKILL");
const exited = await waitFor(
  (n) => n.method === "notifications/message" && n.params.data?.event === "exited" && n.params.data?.task === "worker",
  1000,
);
const exitMs = performance.now() - killedAt;
expect(exited, "an exited notification within 1 s of kill -9");
expect(["warning", "error"].includes(exited.params.level), `level ${exited.params.level}`);
const updated = await waitFor(
  (n) => n.method === "notifications/resources/updated" && n.params.uri === "taskmux://status",
  1000,
);
expect(updated, "taskmux://status updated");
// setLevel(warning): the info-level events (started, restarting) are held back.
await new Promise((r) => setTimeout(r, 300));
const infos = pushed.filter((n) => n.method === "notifications/message" && n.params.level === "info");
expect(infos.length === 0, `info messages despite setLevel(warning): ${JSON.stringify(infos)}`);

const read = await client.readResource({ uri: "taskmux://status" });
expect(JSON.parse(read.contents[0].text).session === "nodestack", "status resource read");

for (const [name, args] of [
  ["restart", { task: "worker" }],
  // One call: restart and wait (the SDK checks the nested wait against the schema).
  ["restart", { task: "worker", wait: true, timeout: "20s" }],
  ["stop", { task: "worker" }],
  ["kill", { task: "web" }],
]) {
  const r = await client.callTool({ name, arguments: args });
  expect(!r.isError && r.structuredContent.ok === true, `${name}: ${JSON.stringify(r)}`);
}

await client.close();
console.log(JSON.stringify({ connect_ms: connectMs, exit_notice_ms: exitMs, tools: names.length }));

// The TypeScript SDK's Streamable HTTP client against the daemon's /mcp (the
// daemon a previous `start` through MCP brought up). Run by tests/mcp_node.rs;
// prints one JSON report, exits 1 on a failed expectation.
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";

const fail = (msg) => {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
};
const expect = (cond, msg) => cond || fail(msg);

const record = JSON.parse(
  readFileSync(`${process.env.TASKMUX_STATE_DIR}/${process.env.SESSION}/daemon.json`, "utf8"),
);
const url = new URL(`http://127.0.0.1:${record.port}/mcp`);

// Without the token from a foreign origin: refused.
const refused = await fetch(url, {
  method: "POST",
  headers: { "content-type": "application/json", origin: "http://evil.example" },
  body: "{}",
});
expect(refused.status === 403, `foreign origin answered ${refused.status}`);

const client = new Client({ name: "node-http-test", version: "1.0.0" });
const pushed = [];
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => pushed.push(n));
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => pushed.push(n));
await client.connect(new StreamableHTTPClientTransport(url));
expect(client.getServerVersion()?.name === "taskmux", "server name over HTTP");

const { tools } = await client.listTools();
expect(tools.some((t) => t.name === "status"), "tools over HTTP");
const status = await client.callTool({ name: "status", arguments: {} });
expect(status.structuredContent.session === process.env.SESSION, `status: ${JSON.stringify(status)}`);
const worker = status.structuredContent.tasks.find((t) => t.name === "worker" && t.pid);
expect(worker, `a running worker: ${JSON.stringify(status.structuredContent.tasks)}`);
const unknown = await client.callTool({ name: "kill", arguments: { task: "nope" } });
expect(unknown.isError && unknown.structuredContent.error.code === "unknown_task", "unknown task over HTTP");

await client.subscribeResource({ uri: "taskmux://status" });
// Let the standalone SSE stream open before the crash.
await new Promise((r) => setTimeout(r, 300));
const t0 = performance.now();
process.kill(worker.pid, "SIGKILL");
const deadline = Date.now() + 1500;
let exited = null;
let updated = null;
while (Date.now() < deadline && !(exited && updated)) {
  exited ??= pushed.find((n) => n.method === "notifications/message" && n.params.data?.event === "exited");
  updated ??= pushed.find((n) => n.method === "notifications/resources/updated");
  await new Promise((r) => setTimeout(r, 10));
}
expect(exited, `an exited notification over HTTP: ${JSON.stringify(pushed)}`);
expect(updated, "taskmux://status updated over HTTP");
const noticeMs = performance.now() - t0;
await client.close();
console.log(JSON.stringify({ http_exit_notice_ms: noticeMs }));

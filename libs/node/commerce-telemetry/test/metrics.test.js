"use strict";
// /metrics on METRICS_PORT: the process's own request metrics in the Prometheus text format, and
// no listener at all without METRICS_PORT. Each case runs in a child process, since the SDK
// registers itself globally and must start before node:http is loaded.
const assert = require("node:assert/strict");
const { spawnSync } = require("node:child_process");
const net = require("node:net");
const path = require("node:path");
const { describe, it } = require("node:test");

const { metricsAddress, telemetryConfig } = require("../telemetry");

const ROOT = path.resolve(__dirname, "..");

// Started in the child: the SDK (METRICS_* from its env), then one HTTP request and one
// measured gRPC handler call; prints the scrape and the ports the process listens on.
const CHILD = `
const fs = require("node:fs");
const { startTelemetry, telemetryConfig } = require("./telemetry");

function listeningPorts() {
  const inodes = new Set();
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      const target = fs.readlinkSync("/proc/self/fd/" + fd);
      if (target.startsWith("socket:[")) inodes.add(target.slice(8, -1));
    } catch {}
  }
  const ports = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of fs.readFileSync(table, "utf8").trim().split("\\n").slice(1)) {
      const fields = line.trim().split(/\\s+/);
      if (fields[3] === "0A" && inodes.has(fields[9])) ports.push(parseInt(fields[1].split(":").pop(), 16));
    }
  }
  return ports.sort();
}

(async () => {
  const telemetry = startTelemetry(telemetryConfig(process.env, "svc"));
  await telemetry.ready;
  const http = require("node:http");
  const { measured } = require("./grpc");
  const server = http.createServer((_req, res) => res.end("ok"));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const app = server.address().port;
  await (await fetch("http://127.0.0.1:" + app + "/api/products")).text();
  await new Promise((resolve) => measured("commerce.v1.S", "Get", (_c, cb) => cb(null, {}))({}, resolve));
  const port = process.env.METRICS_PORT;
  const url = "http://127.0.0.1:" + port + "/metrics";
  // Scraped twice: the second scrape shows whether the first was counted as a request.
  if (port) await (await fetch(url)).text();
  const scrape = port ? await fetch(url) : undefined;
  const body = scrape ? await scrape.text() : "";
  const ports = listeningPorts().filter((p) => p !== app);
  console.log(JSON.stringify({ contentType: scrape?.headers.get("content-type"), body, ports }));
  server.close();
  await telemetry.shutdown();
})().catch((error) => { console.error(error); process.exit(1); });
`;

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function runChild(env) {
  const run = spawnSync(process.execPath, ["-e", CHILD], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 30_000,
    env: { PATH: process.env.PATH, ...env },
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split("\n").pop());
}

describe("metricsAddress", () => {
  it("opens nothing without METRICS_PORT", () => {
    assert.equal(metricsAddress({}), undefined);
    assert.equal(telemetryConfig({}, "quote").metrics, undefined);
  });

  it("listens on every interface unless METRICS_HOST narrows it", () => {
    assert.deepEqual(metricsAddress({ METRICS_PORT: "9464" }), { host: "0.0.0.0", port: 9464 });
    assert.deepEqual(metricsAddress({ METRICS_PORT: "9464", METRICS_HOST: "127.0.0.1" }), {
      host: "127.0.0.1",
      port: 9464,
    });
  });

  it("refuses a malformed port, naming the variable", () => {
    assert.throws(() => metricsAddress({ METRICS_PORT: "http" }), /METRICS_PORT/);
    assert.throws(() => metricsAddress({ METRICS_PORT: "0" }), /METRICS_PORT/);
  });
});

describe("the /metrics endpoint", () => {
  it("serves HTTP and gRPC request metrics in the Prometheus text format", async () => {
    const port = await freePort();
    const { contentType, body, ports } = runChild({ METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" });
    assert.match(contentType, /^text\/plain/);
    assert.deepEqual(ports, [port]);
    assert.match(body, /# TYPE http_server_request_duration histogram/);
    // One request to the application; the scrapes of /metrics are not counted.
    assert.match(body, /http_server_request_duration_count\{http_request_method="GET"[^}]*\} 1\n/);
    assert.match(body, /# TYPE rpc_server_requests_total counter/);
    assert.match(body, /rpc_server_requests_total\{[^}]*rpc_method="Get"[^}]*\} 1\n/);
  });

  it("is not opened without METRICS_PORT: nothing of its own listens", () => {
    const { body, ports } = runChild({});
    assert.equal(body, "");
    assert.deepEqual(ports, []);
  });
});

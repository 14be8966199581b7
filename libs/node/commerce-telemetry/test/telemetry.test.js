"use strict";
const assert = require("node:assert/strict");
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const { describe, it } = require("node:test");

const { telemetryConfig } = require("../telemetry");

const ROOT = path.resolve(__dirname, "..");

describe("telemetryConfig", () => {
  it("falls back to the service name and no export", () => {
    assert.deepEqual(telemetryConfig({}, "quote"), {
      serviceName: "quote",
      endpoint: undefined,
      metrics: undefined,
    });
  });

  it("reads the standard OTEL variables", () => {
    const env = { OTEL_SERVICE_NAME: "quote-eu", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };
    assert.deepEqual(telemetryConfig(env, "quote"), {
      serviceName: "quote-eu",
      endpoint: "http://127.0.0.1:4318",
      metrics: undefined,
    });
  });
});

describe("loading the telemetry module", () => {
  // The gRPC instrumentation patches @grpc/grpc-js only when it is required after the SDK
  // started, so an entry point that starts telemetry first must not have loaded it by then.
  it("does not load @grpc/grpc-js", () => {
    const script = [
      'require("./telemetry");',
      'const grpcJs = `${path.sep}@grpc${path.sep}grpc-js${path.sep}`;',
      "console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes(grpcJs))));",
    ].join("\n");
    const run = spawnSync(process.execPath, ["-e", `const path = require("node:path");\n${script}`], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), []);
  });
});

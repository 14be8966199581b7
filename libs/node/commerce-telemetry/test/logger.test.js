"use strict";
const assert = require("node:assert/strict");
const { Writable } = require("node:stream");
const { after, before, describe, it } = require("node:test");

const { trace } = require("@opentelemetry/api");

const { createLogger } = require("../logger");
const { startTelemetry } = require("../telemetry");

function capture() {
  const lines = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: createLogger("quote", "info", stream), lines };
}

describe("createLogger", () => {
  let telemetry;
  before(() => {
    // No endpoint: nothing is exported, but spans get ids.
    telemetry = startTelemetry({ serviceName: "quote", endpoint: undefined });
  });
  after(() => telemetry.shutdown());

  it("writes one JSON line with the service, level, message and timestamp", () => {
    const { log, lines } = capture();
    log.warn("careful");
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line.service, "quote");
    assert.equal(line.level, "warn");
    assert.equal(line.message, "careful");
    assert.ok(!Number.isNaN(Date.parse(line.timestamp)), line.timestamp);
    assert.equal(line.trace_id, undefined);
  });

  it("inside a span, the line carries its trace and span ids", () => {
    const { log, lines } = capture();
    const ids = trace.getTracer("test").startActiveSpan("work", (span) => {
      log.info("inside");
      span.end();
      return span.spanContext();
    });
    assert.match(ids.traceId, /^[0-9a-f]{32}$/);
    assert.equal(lines[0].trace_id, ids.traceId);
    assert.equal(lines[0].span_id, ids.spanId);
  });
});

"use strict";
// OpenTelemetry for this process: traces and metrics over OTLP/HTTP (protobuf), W3C trace
// context on every gRPC and HTTP call. Must start before @grpc/grpc-js or node:http are loaded,
// because the instrumentations patch those modules as they are required: this module loads
// neither, so an entry point can require it, start it, and only then load the application.
const { OTLPMetricExporter } = require("@opentelemetry/exporter-metrics-otlp-proto");
const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-proto");
const { GrpcInstrumentation } = require("@opentelemetry/instrumentation-grpc");
const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http");
const { NodeSDK, metrics, tracing } = require("@opentelemetry/sdk-node");

function telemetryConfig(env, defaultName) {
  return {
    serviceName: env.OTEL_SERVICE_NAME || defaultName,
    endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  };
}

/** Starts the SDK; without an endpoint nothing is exported (spans still get ids). */
function startTelemetry(config) {
  const base = config.endpoint?.replace(/\/+$/, "");
  // Explicit (possibly empty) processor lists: the SDK would otherwise read OTEL_*_EXPORTER and
  // default to exporting somewhere even when no endpoint was given.
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    spanProcessors: base
      ? [new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))]
      : // Still a tracer provider, so spans get ids for logs and propagation.
        [new tracing.NoopSpanProcessor()],
    metricReaders: base
      ? [
          new metrics.PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
            exportIntervalMillis: 10_000,
          }),
        ]
      : [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) =>
          request.url === "/healthz" || request.url === "/readyz",
      }),
      new GrpcInstrumentation({ ignoreGrpcMethods: ["Check", "Watch"] }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

module.exports = { startTelemetry, telemetryConfig };

"use strict";
// OpenTelemetry for this process: traces and metrics over OTLP/HTTP (protobuf), the same metrics
// for Prometheus on $METRICS_PORT when it is set, W3C trace context on every gRPC and HTTP call.
// Must start before @grpc/grpc-js or node:http are loaded, because the instrumentations patch
// those modules as they are required: this module loads neither, so an entry point can require
// it, start it, and only then load the application.
const { OTLPMetricExporter } = require("@opentelemetry/exporter-metrics-otlp-proto");
const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-proto");
const { GrpcInstrumentation } = require("@opentelemetry/instrumentation-grpc");
const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http");
const { NodeSDK, metrics, tracing } = require("@opentelemetry/sdk-node");

const UNTRACED_PATHS = new Set(["/healthz", "/readyz"]);

/**
 * Where to serve /metrics: METRICS_PORT (unset: nowhere, so that a local shop of many services
 * on one host never fights over one port) on METRICS_HOST, all interfaces by default as a pod
 * needs. Port 0 is refused: the exporter would read it as its own default, 9464.
 */
function metricsAddress(env) {
  const raw = (env.METRICS_PORT || "").trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw new Error(`METRICS_PORT must be a port number (1-65535), got ${JSON.stringify(raw)}`);
  }
  return { host: env.METRICS_HOST || "0.0.0.0", port };
}

function telemetryConfig(env, defaultName) {
  return {
    serviceName: env.OTEL_SERVICE_NAME || defaultName,
    endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
    metrics: metricsAddress(env),
  };
}

/**
 * The Prometheus reader and a promise that settles once its endpoint listens (rejected when the
 * port is taken). Required lazily: it loads node:http, which the instrumentation patches anyway
 * (the server prototype, in place), and which a process without METRICS_PORT never needs here.
 */
function prometheusReader(address) {
  const { PrometheusExporter } = require("@opentelemetry/exporter-prometheus");
  let reader;
  const listening = new Promise((resolve, reject) => {
    reader = new PrometheusExporter({ ...address, endpoint: "/metrics" }, (error) =>
      error ? reject(error) : resolve(),
    );
  });
  return { reader, listening };
}

/**
 * Starts the SDK; without an endpoint nothing is exported (spans still get ids). `ready` settles
 * once the /metrics endpoint listens (at once without one): await it before serving, so that a
 * taken port fails the start instead of leaving a silent gap in the scrape.
 */
function startTelemetry(config) {
  const base = config.endpoint?.replace(/\/+$/, "");
  const scrape = config.metrics ? prometheusReader(config.metrics) : undefined;
  const readers = scrape ? [scrape.reader] : [];
  if (base) {
    readers.push(
      new metrics.PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
        exportIntervalMillis: 10_000,
      }),
    );
  }
  // Explicit (possibly empty) processor lists: the SDK would otherwise read OTEL_*_EXPORTER and
  // default to exporting somewhere even when no endpoint was given.
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    spanProcessors: base
      ? [new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))]
      : // Still a tracer provider, so spans get ids for logs and propagation.
        [new tracing.NoopSpanProcessor()],
    metricReaders: readers,
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes, and Prometheus's scrapes of the metrics port, are not requests of the shop.
        ignoreIncomingRequestHook: (request) =>
          UNTRACED_PATHS.has(request.url) ||
          (config.metrics !== undefined && request.socket?.localPort === config.metrics.port),
      }),
      new GrpcInstrumentation({ ignoreGrpcMethods: ["Check", "Watch"] }),
    ],
  });
  sdk.start();
  return {
    ready: scrape ? scrape.listening : Promise.resolve(),
    shutdown: () => sdk.shutdown(),
  };
}

module.exports = { metricsAddress, startTelemetry, telemetryConfig };

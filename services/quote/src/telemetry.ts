// OpenTelemetry for this process: traces and metrics over OTLP/HTTP (protobuf), W3C trace
// context on every gRPC and HTTP call. Must start before @grpc/grpc-js or node:http are loaded,
// because the instrumentations patch those modules as they are required.
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { NodeSDK, metrics, tracing } from "@opentelemetry/sdk-node";

export interface TelemetryConfig {
  serviceName: string;
  /** Base URL of an OTLP/HTTP receiver; undefined exports nothing (spans still get ids). */
  endpoint: string | undefined;
}

export function telemetryConfig(
  env: Readonly<Record<string, string | undefined>>,
  defaultName: string,
): TelemetryConfig {
  return {
    serviceName: env.OTEL_SERVICE_NAME || defaultName,
    endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  };
}

export interface Telemetry {
  /** Flushes buffered spans and metrics. */
  shutdown(): Promise<void>;
}

export function startTelemetry(config: TelemetryConfig): Telemetry {
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

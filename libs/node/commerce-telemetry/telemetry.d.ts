/** Where the Prometheus /metrics endpoint listens. */
export interface MetricsAddress {
  host: string;
  port: number;
}

export interface TelemetryConfig {
  serviceName: string;
  /** Base URL of an OTLP/HTTP receiver; undefined exports nothing (spans still get ids). */
  endpoint: string | undefined;
  /** From METRICS_PORT (and METRICS_HOST); undefined opens no /metrics endpoint. */
  metrics: MetricsAddress | undefined;
}

/** METRICS_PORT on METRICS_HOST (all interfaces by default); throws on a malformed port. */
export function metricsAddress(env: Readonly<Record<string, string | undefined>>): MetricsAddress | undefined;

export function telemetryConfig(
  env: Readonly<Record<string, string | undefined>>,
  defaultName: string,
): TelemetryConfig;

export interface Telemetry {
  /** Settles once /metrics listens (at once without one); rejects when its port is taken. */
  ready: Promise<void>;
  /** Flushes buffered spans and metrics, and closes /metrics. */
  shutdown(): Promise<void>;
}

/** Starts the SDK; without an endpoint nothing is exported (spans still get ids). */
export function startTelemetry(config: TelemetryConfig): Telemetry;

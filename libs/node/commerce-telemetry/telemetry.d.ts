export interface TelemetryConfig {
  serviceName: string;
  /** Base URL of an OTLP/HTTP receiver; undefined exports nothing (spans still get ids). */
  endpoint: string | undefined;
}

export function telemetryConfig(
  env: Readonly<Record<string, string | undefined>>,
  defaultName: string,
): TelemetryConfig;

export interface Telemetry {
  /** Flushes buffered spans and metrics. */
  shutdown(): Promise<void>;
}

/** Starts the SDK; without an endpoint nothing is exported (spans still get ids). */
export function startTelemetry(config: TelemetryConfig): Telemetry;

// Entry point of the update server. Telemetry starts first: its HTTP instrumentation patches
// node:http as it is required, so the server module is loaded only afterwards.
import { createLogger } from "commerce-telemetry/logger";
import { startTelemetry, telemetryConfig } from "commerce-telemetry/telemetry";

async function start(): Promise<void> {
  const telemetry = startTelemetry(telemetryConfig(process.env, "mobile"));
  await telemetry.ready; // /metrics listens (when METRICS_PORT asks for it) before serving
  const log = createLogger("mobile", process.env.LOG_LEVEL || "info");
  const app = await import("./app");
  await app.main(process.env, log, () => telemetry.shutdown());
}

start().catch((error: unknown) => {
  console.error("mobile update server: failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});

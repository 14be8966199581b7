// Entry point. Telemetry starts first: the instrumentations patch @grpc/grpc-js and node:http
// as they are required, so the application is only loaded afterwards.
import { startTelemetry, telemetryConfig } from "commerce-telemetry/telemetry";

async function start(): Promise<void> {
  const telemetry = startTelemetry(telemetryConfig(process.env, "frontend"));
  await telemetry.ready; // /metrics listens (when METRICS_PORT asks for it) before serving
  const app = await import("./app.js");
  await app.main(process.env, telemetry);
}

start().catch((error: unknown) => {
  console.error("frontend: failed to start:", error);
  process.exit(1);
});

"use strict";
// Entry point. Telemetry starts first: the instrumentations patch @grpc/grpc-js as it is
// required, so the application is only loaded afterwards.
const { startTelemetry, telemetryConfig } = require("commerce-telemetry/telemetry");

const telemetry = startTelemetry(telemetryConfig(process.env, "payment"));
// /metrics listens (when METRICS_PORT asks for it) before the application serves.
telemetry.ready
  .then(() => require("./app").main(process.env, telemetry))
  .catch((error) => {
    console.error("payment: failed to start:", error);
    process.exit(1);
  });

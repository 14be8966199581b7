"use strict";
// The payment gRPC server: Charge, health, and graceful shutdown.
const path = require("node:path");

const grpc = require("@grpc/grpc-js");
const { HealthImplementation } = require("grpc-health-check");

const { chargeHandler } = require("./charge");
const { loadCommerce, measured, protoDir } = require("commerce-telemetry/grpc");
const { createLogger } = require("commerce-telemetry/logger");

const SERVICE_NAME = "payment";
const GRPC_SERVICE = "commerce.v1.PaymentService";
const DEFAULT_PORT = 50052;
/** How long in-flight calls get to finish after SIGTERM. */
const DRAIN_MS = 10_000;

function listenPort(env) {
  const raw = env.PORT;
  if (!raw) return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be a port number, got ${JSON.stringify(raw)}`);
  }
  return port;
}

async function main(env, telemetry) {
  const log = createLogger(SERVICE_NAME, env.LOG_LEVEL || "info");
  const port = listenPort(env);
  const commerce = loadCommerce(protoDir(env, path.resolve(__dirname, "..")));
  const server = new grpc.Server();
  server.addService(commerce.PaymentService.service, {
    Charge: measured(GRPC_SERVICE, "Charge", chargeHandler(log)),
  });
  const health = new HealthImplementation({ "": "SERVING", [GRPC_SERVICE]: "SERVING" });
  health.addToServer(server);
  const bound = await new Promise((resolve, reject) =>
    server.bindAsync(`0.0.0.0:${port}`, grpc.ServerCredentials.createInsecure(), (error, actual) =>
      error ? reject(error) : resolve(actual),
    ),
  );
  log.info({ port: bound }, "listening");

  const stop = (signal) => {
    log.info({ signal }, "shutting down");
    health.setStatus("", "NOT_SERVING");
    health.setStatus(GRPC_SERVICE, "NOT_SERVING");
    const force = setTimeout(() => server.forceShutdown(), DRAIN_MS);
    server.tryShutdown(() => {
      clearTimeout(force);
      telemetry.shutdown().finally(() => process.exit(0));
    });
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

module.exports = { DEFAULT_PORT, listenPort, main };

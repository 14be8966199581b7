// The frontend process: wires the gRPC backends into the HTTP server and shuts down gracefully.
import { createServer } from "node:http";
import path from "node:path";

import { protoDir } from "commerce-telemetry/grpc";
import { createLogger } from "commerce-telemetry/logger";
import type { Telemetry } from "commerce-telemetry/telemetry";

import { createApi } from "./api.js";
import { grpcBackends, peers } from "./clients.js";
import type { Env } from "./clients.js";
import { createHandler } from "./http.js";

export const SERVICE_NAME = "frontend";
export const DEFAULT_PORT = 8080;
/** How long in-flight requests get to finish after SIGTERM. */
const DRAIN_MS = 10_000;

export function listenPort(env: Env): number {
  const raw = env.PORT;
  if (!raw) return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be a port number, got ${JSON.stringify(raw)}`);
  }
  return port;
}

export async function main(env: Env, telemetry: Telemetry): Promise<void> {
  const log = createLogger(SERVICE_NAME, env.LOG_LEVEL || "info");
  const port = listenPort(env);
  const addresses = peers(env);
  const backends = grpcBackends(protoDir(env, path.resolve(__dirname, "../..")), addresses);
  let stopping = false;
  const handler = createHandler(createApi(backends, log), { ready: () => !stopping }, log);
  const server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "0.0.0.0", resolve);
  });
  log.info({ port, peers: addresses }, "listening");

  const stop = (signal: string): void => {
    log.info({ signal }, "shutting down");
    stopping = true;
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    server.close(() => {
      clearTimeout(force);
      backends.close();
      telemetry.shutdown().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

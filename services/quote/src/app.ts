// The quote gRPC server: the GetQuote handler, health, and graceful shutdown.
import path from "node:path";

import * as grpc from "@grpc/grpc-js";
import { grpcError, loadCommerce, measured, protoDir, serviceDefinition } from "commerce-telemetry/grpc";
import { createLogger } from "commerce-telemetry/logger";
import type { Logger } from "commerce-telemetry/logger";
import type { Telemetry } from "commerce-telemetry/telemetry";
import { HealthImplementation } from "grpc-health-check";

import { format } from "./money.js";
import type { Money } from "./money.js";
import { InvalidItemCount, shippingCost } from "./pricing.js";

export const SERVICE_NAME = "quote";
export const GRPC_SERVICE = "commerce.v1.QuoteService";
export const DEFAULT_PORT = 8090;
/** How long in-flight calls get to finish after SIGTERM. */
const DRAIN_MS = 10_000;

export interface QuoteRequest {
  item_count: number;
}
export interface QuoteResponse {
  cost_usd: Money;
}

export function getQuote(log: Logger): grpc.handleUnaryCall<QuoteRequest, QuoteResponse> {
  return (call, callback) => {
    const itemCount = call.request.item_count;
    try {
      const cost = shippingCost(itemCount);
      log.info({ item_count: itemCount, cost: format(cost) }, "quoted");
      callback(null, { cost_usd: cost });
    } catch (error) {
      if (!(error instanceof InvalidItemCount)) throw error;
      callback(grpcError(grpc.status.INVALID_ARGUMENT, error.message));
    }
  };
}

export function listenPort(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.PORT;
  if (!raw) return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be a port number, got ${JSON.stringify(raw)}`);
  }
  return port;
}

export async function main(env: Readonly<Record<string, string | undefined>>, telemetry: Telemetry): Promise<void> {
  const log = createLogger(SERVICE_NAME, env.LOG_LEVEL || "info");
  const port = listenPort(env);
  const commerce = loadCommerce(protoDir(env, path.resolve(__dirname, "../..")));
  const server = new grpc.Server();
  server.addService(serviceDefinition(commerce, "QuoteService"), {
    GetQuote: measured(GRPC_SERVICE, "GetQuote", getQuote(log)),
  });
  const health = new HealthImplementation({ "": "SERVING", [GRPC_SERVICE]: "SERVING" });
  health.addToServer(server);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`0.0.0.0:${port}`, grpc.ServerCredentials.createInsecure(), (error, actual) =>
      error ? reject(error) : resolve(actual),
    ),
  );
  log.info({ port: bound }, "listening");

  const stop = (signal: string): void => {
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

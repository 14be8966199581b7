// The update server: the exported bundle over the Expo Updates protocol, health endpoints, and a
// graceful stop. Files are served only when the release lists them, so no path reaches past it.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import path from "node:path";

import type { Logger } from "commerce-telemetry/logger";

import { manifestReply } from "./protocol";
import type { Release } from "./release";
import { loadRelease } from "./release";

export const DEFAULT_PORT = 8088;
const DRAIN_MS = 10_000;

export type Env = Readonly<Record<string, string | undefined>>;

/** The URL clients reach this server at: PUBLIC_URL, else the request's own host. */
export function baseUrl(env: Env, request: IncomingMessage): string {
  if (env.PUBLIC_URL) return env.PUBLIC_URL.replace(/\/+$/, "");
  const proto = String(request.headers["x-forwarded-proto"] ?? "http").split(",")[0].trim();
  return `${proto}://${request.headers.host ?? "localhost"}`;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function createHandler(release: Release, env: Env, ready: () => boolean) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { "content-type": type, "x-content-type-options": "nosniff" }).end(body);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "text/plain", "GET only\n");
    if (url.pathname === "/healthz") return send(200, "text/plain", "ok\n");
    if (url.pathname === "/readyz") return ready() ? send(200, "text/plain", "ready\n") : send(503, "text/plain", "stopping\n");
    if (url.pathname === "/api/manifest") {
      const reply = manifestReply(
        release,
        {
          platform: header(request, "expo-platform") ?? url.searchParams.get("platform") ?? undefined,
          runtimeVersion: header(request, "expo-runtime-version") ?? url.searchParams.get("runtime-version") ?? undefined,
          protocolVersion: header(request, "expo-protocol-version"),
          accept: header(request, "accept"),
        },
        baseUrl(env, request),
        `update-${randomBytes(8).toString("hex")}`,
      );
      response.writeHead(reply.status, reply.headers).end(reply.body);
      return;
    }
    const asset = url.pathname.startsWith("/files/") ? release.files.get(decodeURIComponent(url.pathname.slice(7))) : undefined;
    if (!asset) return send(404, "text/plain", "not found\n");
    response.writeHead(200, {
      "content-type": asset.contentType,
      // Content-addressed: a new bundle has a new name, so a client may keep this forever.
      "cache-control": "public, max-age=31536000, immutable",
      etag: `"${asset.hash}"`,
    });
    if (request.method === "HEAD") return void response.end();
    createReadStream(path.join(env.DIST_DIR ?? "dist", asset.path)).pipe(response);
  };
}

export function listenPort(env: Env): number {
  const port = Number(env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number, got ${JSON.stringify(env.PORT)}`);
  return port;
}

export async function main(env: Env, log: Logger, shutdown: () => Promise<void>): Promise<void> {
  const release = loadRelease(env.DIST_DIR ?? "dist", env.APP_JSON ?? "app.json");
  let stopping = false;
  const server = createServer(createHandler(release, env, () => !stopping));
  const port = listenPort(env);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "0.0.0.0", resolve);
  });
  const updates = Object.fromEntries(Object.entries(release.platforms).map(([name, u]) => [name, u.id]));
  log.info({ port, runtimeVersion: release.runtimeVersion, createdAt: release.createdAt, updates }, "listening");
  const stop = (signal: string): void => {
    log.info({ signal }, "shutting down");
    stopping = true;
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    server.close(() => {
      clearTimeout(force);
      shutdown().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

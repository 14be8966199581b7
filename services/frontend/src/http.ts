// The HTTP layer: session cookie, body parsing, pages, the API, health endpoints.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import type { Logger } from "commerce-telemetry/logger";

import type { Api } from "./api.js";
import { pageFor } from "./pages.js";

export const USER_COOKIE = "shop_user_id";
export const CURRENCY_COOKIE = "shop_currency";
const MAX_BODY_BYTES = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const index = part.indexOf("=");
    if (index > 0) cookies.set(part.slice(0, index).trim(), decodeURIComponent(part.slice(index + 1).trim()));
  }
  return cookies;
}

/** The shopper's id from the cookie, or a new one and the cookie to set. */
export function session(cookies: Map<string, string>): { userId: string; setCookie: string | undefined } {
  const existing = cookies.get(USER_COOKIE);
  if (existing && UUID.test(existing)) return { userId: existing, setCookie: undefined };
  const userId = randomUUID();
  return { userId, setCookie: `${USER_COOKIE}=${userId}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000` };
}

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BodyError(400, "request body is not valid JSON");
  }
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(body);
}

export interface Readiness {
  ready(): boolean;
}

export function createHandler(api: Api, readiness: Readiness, log: Logger) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const method = request.method ?? "GET";
    try {
      if (url.pathname === "/healthz") return send(response, 200, "text/plain", "ok\n");
      if (url.pathname === "/readyz") {
        const ready = readiness.ready();
        return send(response, ready ? 200 : 503, "text/plain", ready ? "ready\n" : "shutting down\n");
      }
      const cookies = parseCookies(request.headers.cookie);
      const { userId, setCookie } = session(cookies);
      if (setCookie) response.setHeader("set-cookie", setCookie);
      if (url.pathname.startsWith("/api/")) {
        const body = method === "POST" ? await readJson(request) : undefined;
        const result = await api({
          method,
          path: url.pathname,
          query: url.searchParams,
          body,
          userId,
          currency: cookies.get(CURRENCY_COOKIE),
        });
        if (!result) return send(response, 404, "application/json", JSON.stringify({ error: "no such endpoint" }));
        return send(response, result.status, "application/json", JSON.stringify(result.body));
      }
      const html = method === "GET" ? pageFor(url.pathname) : undefined;
      if (html) return send(response, 200, "text/html; charset=utf-8", html);
      return send(response, 404, "text/plain", "not found\n");
    } catch (error) {
      if (error instanceof BodyError) {
        return send(response, error.status, "application/json", JSON.stringify({ error: error.message }));
      }
      log.error({ err: error, path: url.pathname }, "request failed");
      return send(response, 500, "application/json", JSON.stringify({ error: "internal error" }));
    }
  };
}

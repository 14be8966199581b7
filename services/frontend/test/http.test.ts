import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";

import { createApi } from "../src/api.js";
import { createHandler, parseCookies, session, USER_COOKIE } from "../src/http.js";
import { CHECKOUT_BODY, FakeBackends, silentLog } from "./fakes.js";

describe("session", () => {
  it("keeps a valid user id cookie", () => {
    const id = "0b6f3c1e-2a4d-4f8e-9c7b-1d2e3f4a5b6c";
    assert.deepEqual(session(new Map([[USER_COOKIE, id]])), { userId: id, setCookie: undefined });
  });

  it("issues a new http-only cookie when there is none or it is malformed", () => {
    for (const cookies of [new Map(), new Map([[USER_COOKIE, "<script>"]])]) {
      const { userId, setCookie } = session(cookies);
      assert.match(userId, /^[0-9a-f-]{36}$/);
      assert.match(setCookie ?? "", new RegExp(`^${USER_COOKIE}=${userId}; .*HttpOnly`));
    }
  });

  it("parses a cookie header", () => {
    assert.deepEqual(parseCookies("a=1; shop_currency=EUR"), new Map([["a", "1"], ["shop_currency", "EUR"]]));
    assert.equal(parseCookies(undefined).size, 0);
  });
});

describe("HTTP server", () => {
  let server: Server;
  let base: string;
  let ready = true;
  const backends = new FakeBackends();

  before(async () => {
    const handler = createHandler(createApi(backends, silentLog), { ready: () => ready }, silentLog);
    server = createServer((request, response) => void handler(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => server.close());

  it("serves liveness and readiness, and turns unready while stopping", async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    ready = false;
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    ready = true;
  });

  it("serves the pages as HTML", async () => {
    for (const path of ["/", "/product/MUG", "/cart", "/checkout"]) {
      const response = await fetch(base + path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get("content-type") ?? "", /text\/html/);
      assert.match(await response.text(), /<main>/);
    }
  });

  it("keeps a shopper's cart across requests through the session cookie", async () => {
    const added = await fetch(`${base}/api/cart`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ product_id: "LAMP", quantity: 1 }),
    });
    assert.equal(added.status, 201);
    const cookie = (added.headers.get("set-cookie") ?? "").split(";")[0];
    const cart = await fetch(`${base}/api/cart`, { headers: { cookie } });
    const body = (await cart.json()) as { items: { product_id: string }[] };
    assert.deepEqual(
      body.items.map((item) => item.product_id),
      ["LAMP"],
    );
  });

  it("places an order through POST /api/checkout and returns JSON", async () => {
    const response = await fetch(`${base}/api/checkout`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(CHECKOUT_BODY),
    });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { order_id: string }).order_id, "order-1");
  });

  it("answers 400 for a body that is not JSON and 404 for unknown paths", async () => {
    const bad = await fetch(`${base}/api/cart`, { method: "POST", body: "{" });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${base}/api/unknown`)).status, 404);
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
  });
});

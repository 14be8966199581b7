import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { createApi } from "../src/api.js";
import type { Api, ApiRequest } from "../src/api.js";
import { CHECKOUT_BODY, FakeBackends, silentLog } from "./fakes.js";

let backends: FakeBackends;
let api: Api;

function request(method: string, pathAndQuery: string, body?: unknown, currency?: string): ApiRequest {
  const url = new URL(pathAndQuery, "http://shop");
  return { method, path: url.pathname, query: url.searchParams, body, userId: "user-1", currency };
}

async function call(method: string, path: string, body?: unknown, currency?: string) {
  const response = await api(request(method, path, body, currency));
  assert.ok(response, `${method} ${path} should be routed`);
  return response;
}

beforeEach(() => {
  backends = new FakeBackends();
  api = createApi(backends, silentLog);
});

describe("GET /api/products", () => {
  it("lists products priced in USD by default", async () => {
    const { status, body } = await call("GET", "/api/products");
    assert.equal(status, 200);
    const { products } = body as { products: { id: string; price: unknown }[] };
    assert.deepEqual(products[0].price, { currency_code: "USD", units: "8", nanos: 990_000_000 });
  });

  it("converts prices into the currency of the query", async () => {
    const { body } = await call("GET", "/api/products?currency=EUR");
    const { products } = body as { products: { price: unknown }[] };
    assert.deepEqual(products[0].price, { currency_code: "EUR", units: "4", nanos: 495_000_000 });
  });

  it("takes the currency from the cookie when the query has none", async () => {
    const { body } = await call("GET", "/api/products", undefined, "EUR");
    assert.equal((body as { currency: string }).currency, "EUR");
  });

  it("refuses a malformed currency code", async () => {
    const { status } = await call("GET", "/api/products?currency=euro");
    assert.equal(status, 400);
  });
});

describe("GET /api/products/:id", () => {
  it("returns the product with recommendations other than itself and ads", async () => {
    const { status, body } = await call("GET", "/api/products/MUG");
    assert.equal(status, 200);
    const page = body as { product: { id: string }; recommendations: string[]; ads: unknown[] };
    assert.equal(page.product.id, "MUG");
    assert.deepEqual(page.recommendations, ["LAMP"]);
    assert.equal(page.ads.length, 1);
  });

  it("still answers when recommendations are down", async () => {
    backends.recommendationsDown = true;
    const { status, body } = await call("GET", "/api/products/MUG");
    assert.equal(status, 200);
    assert.deepEqual((body as { recommendations: string[] }).recommendations, []);
  });

  it("answers 404 for an unknown product", async () => {
    const { status } = await call("GET", "/api/products/NOPE");
    assert.equal(status, 404);
  });
});

describe("cart", () => {
  it("adds an item to the shopper's cart", async () => {
    const { status } = await call("POST", "/api/cart", { product_id: "MUG", quantity: 2 });
    assert.equal(status, 201);
    assert.deepEqual(backends.carts.get("user-1"), [{ product_id: "MUG", quantity: 2 }]);
  });

  it("refuses quantities outside 1-100 and unknown products", async () => {
    assert.equal((await call("POST", "/api/cart", { product_id: "MUG", quantity: 0 })).status, 400);
    assert.equal((await call("POST", "/api/cart", { product_id: "MUG", quantity: 1.5 })).status, 400);
    assert.equal((await call("POST", "/api/cart", { product_id: "NOPE", quantity: 1 })).status, 404);
    assert.equal((await call("POST", "/api/cart", "MUG")).status, 400);
  });

  it("shows line totals and an exact total in the shopper's currency", async () => {
    await backends.addItem("user-1", { product_id: "MUG", quantity: 3 });
    await backends.addItem("user-1", { product_id: "LAMP", quantity: 1 });
    const { body } = await call("GET", "/api/cart?currency=EUR");
    const cart = body as { items: { line_total: unknown }[]; total: unknown };
    // 3 x 4.495 = 13.485 EUR; + 9.75 EUR = 23.235 EUR
    assert.deepEqual(cart.items[0].line_total, { currency_code: "EUR", units: "13", nanos: 485_000_000 });
    assert.deepEqual(cart.total, { currency_code: "EUR", units: "23", nanos: 235_000_000 });
  });

  it("shows an empty cart with a zero total", async () => {
    const { body } = await call("GET", "/api/cart");
    assert.deepEqual(body, { currency: "USD", items: [], total: { currency_code: "USD", units: "0", nanos: 0 } });
  });
});

describe("POST /api/checkout", () => {
  it("places the order for the session's user and returns the order result", async () => {
    const { status, body } = await call("POST", "/api/checkout", { ...CHECKOUT_BODY, currency: "EUR" });
    assert.equal(status, 200);
    assert.equal((body as { order_id: string }).order_id, "order-1");
    assert.equal(backends.orders[0].user_id, "user-1");
    assert.equal(backends.orders[0].user_currency, "EUR");
  });

  it("refuses a form without an email or card", async () => {
    assert.equal((await call("POST", "/api/checkout", { ...CHECKOUT_BODY, email: "nope" })).status, 400);
    const noCard = { ...CHECKOUT_BODY, credit_card: undefined };
    const { status, body } = await call("POST", "/api/checkout", noCard);
    assert.equal(status, 400);
    assert.match((body as { error: string }).error, /credit_card/);
    assert.equal(backends.orders.length, 0);
  });

  it("passes a refused payment on as 400 with the reason", async () => {
    const badCard = { ...CHECKOUT_BODY.credit_card, credit_card_number: "4111111111111112" };
    const { status, body } = await call("POST", "/api/checkout", { ...CHECKOUT_BODY, credit_card: badCard });
    assert.equal(status, 400);
    assert.match((body as { error: string }).error, /Luhn/);
  });
});

describe("routing", () => {
  it("lists the supported currencies", async () => {
    const { body } = await call("GET", "/api/currencies");
    assert.deepEqual(body, { currency_codes: ["EUR", "USD"] });
  });

  it("answers 405 for a known path with the wrong method", async () => {
    assert.equal((await call("DELETE", "/api/cart")).status, 405);
  });

  it("leaves unknown paths unrouted", async () => {
    assert.equal(await api(request("GET", "/api/nothing")), undefined);
  });
});

import { Writable } from "node:stream";

import pino from "pino";

import type { Ad, Backends, CartItem, OrderResult, PlaceOrderRequest, Product } from "../src/backends.js";
import { BackendError } from "../src/backends.js";
import type { Money } from "../src/money.js";

export const silentLog = pino({ level: "silent" }, new Writable({ write: (_c, _e, done) => done() }));

export const PRODUCTS: Product[] = [
  {
    id: "MUG",
    name: "Mug",
    description: "A mug",
    picture: "/mug.jpg",
    price_usd: { currency_code: "USD", units: "8", nanos: 990_000_000 },
    categories: ["kitchen"],
  },
  {
    id: "LAMP",
    name: "Lamp",
    description: "A lamp",
    picture: "/lamp.jpg",
    price_usd: { currency_code: "USD", units: "19", nanos: 500_000_000 },
    categories: ["home"],
  },
];

/** In-memory backends: EUR is exactly half of USD, carts live in a map. */
export class FakeBackends implements Backends {
  carts = new Map<string, CartItem[]>();
  orders: PlaceOrderRequest[] = [];
  recommendationsDown = false;

  async listProducts(): Promise<Product[]> {
    return PRODUCTS;
  }

  async getProduct(id: string): Promise<Product> {
    const product = PRODUCTS.find((p) => p.id === id);
    if (!product) throw new BackendError(5, `no product ${id}`);
    return product;
  }

  async addItem(userId: string, item: CartItem): Promise<void> {
    this.carts.set(userId, [...(this.carts.get(userId) ?? []), item]);
  }

  async getCart(userId: string): Promise<CartItem[]> {
    return this.carts.get(userId) ?? [];
  }

  async supportedCurrencies(): Promise<string[]> {
    return ["EUR", "USD"];
  }

  async convert(from: Money, toCode: string): Promise<Money> {
    if (toCode !== "EUR") throw new BackendError(3, `unsupported currency ${toCode}`);
    const nanos = (BigInt(from.units) * 1_000_000_000n + BigInt(from.nanos)) / 2n;
    return { currency_code: "EUR", units: (nanos / 1_000_000_000n).toString(), nanos: Number(nanos % 1_000_000_000n) };
  }

  async placeOrder(request: PlaceOrderRequest): Promise<OrderResult> {
    if (request.credit_card.credit_card_number === "4111111111111112") {
      throw new BackendError(3, "card number fails the Luhn check");
    }
    this.orders.push(request);
    const zero = { currency_code: request.user_currency, units: "0", nanos: 0 };
    return {
      order_id: "order-1",
      shipping_tracking_id: "SHP-AAAA-BBBB-CCCC",
      shipping_cost: zero,
      shipping_address: request.address,
      items: [],
      total: zero,
      user_id: request.user_id,
      email: request.email,
      transaction_id: "tx-1",
    };
  }

  async recommendations(_userId: string, productIds: string[]): Promise<string[]> {
    if (this.recommendationsDown) throw new BackendError(14, "recommendation is down");
    return PRODUCTS.map((p) => p.id).filter((id) => !productIds.includes(id));
  }

  async ads(): Promise<Ad[]> {
    return [{ redirect_url: "/product/LAMP", text: "Lamps on sale" }];
  }
}

export const CHECKOUT_BODY = {
  email: "someone@example.com",
  address: { street_address: "1 Main St", city: "Springfield", state: "IL", country: "US", zip_code: "62701" },
  credit_card: {
    credit_card_number: "4111111111111111",
    credit_card_cvv: 123,
    credit_card_expiration_year: 2030,
    credit_card_expiration_month: 1,
  },
};

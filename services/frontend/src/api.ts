// The JSON API the pages call. Handlers see a parsed request and the Backends interface only,
// so they are tested with a fake and no network.
import type { Logger } from "commerce-telemetry/logger";

import type { Address, Backends, CartItem, CreditCardInfo, Product } from "./backends.js";
import { BackendError } from "./backends.js";
import { multiply, sum } from "./money.js";
import type { Money } from "./money.js";

export interface ApiRequest {
  method: string;
  /** Path without the query string, e.g. /api/products/OLJCESPC7Z. */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body, undefined when there was none. */
  body: unknown;
  userId: string;
  /** The shopper's currency from the cookie, if any; `?currency=` overrides it. */
  currency: string | undefined;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export const DEFAULT_CURRENCY = "USD";
export const MAX_QUANTITY = 100;
const MAX_RECOMMENDATIONS = 4;

/** gRPC status code -> HTTP status. */
const HTTP_STATUS: Record<number, number> = {
  3: 400, // INVALID_ARGUMENT
  5: 404, // NOT_FOUND
  9: 400, // FAILED_PRECONDITION
  11: 400, // OUT_OF_RANGE
  4: 504, // DEADLINE_EXCEEDED
  14: 503, // UNAVAILABLE
};

class BadRequest extends Error {}

type Handler = (request: ApiRequest, params: string[]) => Promise<ApiResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export type Api = (request: ApiRequest) => Promise<ApiResponse | undefined>;

export function createApi(backends: Backends, log: Logger): Api {
  const priced = async (product: Product, currency: string): Promise<Product & { price: Money }> => ({
    ...product,
    price: currency === "USD" ? product.price_usd : await backends.convert(product.price_usd, currency),
  });

  const routes: Route[] = [
    {
      method: "GET",
      pattern: /^\/api\/products$/,
      handler: async (request) => {
        const currency = currencyOf(request);
        const products = await backends.listProducts();
        return ok({ currency, products: await Promise.all(products.map((p) => priced(p, currency))) });
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/products\/([^/]+)$/,
      handler: async (request, [id]) => {
        const currency = currencyOf(request);
        const product = await priced(await backends.getProduct(id), currency);
        // Recommendations and ads make the page nicer; their failure must not break it.
        const [recommendations, ads] = await Promise.all([
          backends.recommendations(request.userId, [id]).catch((error: unknown) => {
            log.warn({ err: error }, "recommendations unavailable");
            return [] as string[];
          }),
          backends.ads(product.categories).catch((error: unknown) => {
            log.warn({ err: error }, "ads unavailable");
            return [];
          }),
        ]);
        return ok({
          currency,
          product,
          recommendations: recommendations.filter((other) => other !== id).slice(0, MAX_RECOMMENDATIONS),
          ads,
        });
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/cart$/,
      handler: async (request) => {
        const currency = currencyOf(request);
        const items = await backends.getCart(request.userId);
        const lines = await Promise.all(
          items.map(async (item) => {
            const product = await priced(await backends.getProduct(item.product_id), currency);
            return {
              product_id: item.product_id,
              name: product.name,
              quantity: item.quantity,
              price: product.price,
              line_total: multiply(product.price, item.quantity),
            };
          }),
        );
        const total = sum(
          currency,
          lines.map((line) => line.line_total),
        );
        return ok({ currency, items: lines, total });
      },
    },
    {
      method: "POST",
      pattern: /^\/api\/cart$/,
      handler: async (request) => {
        const item = parseCartItem(request.body);
        await backends.getProduct(item.product_id); // 404 for products that do not exist
        await backends.addItem(request.userId, item);
        log.info({ product_id: item.product_id, quantity: item.quantity }, "added to cart");
        return { status: 201, body: { added: item } };
      },
    },
    {
      method: "POST",
      pattern: /^\/api\/checkout$/,
      handler: async (request) => {
        const order = parseCheckout(request.body);
        const currency = order.currency ?? currencyOf(request);
        const result = await backends.placeOrder({
          user_id: request.userId,
          user_currency: currency,
          address: order.address,
          email: order.email,
          credit_card: order.credit_card,
        });
        log.info({ order_id: result.order_id }, "order placed");
        return ok(result);
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/currencies$/,
      handler: async () => ok({ currency_codes: await backends.supportedCurrencies() }),
    },
  ];

  return async (request) => {
    const matching = routes.filter((route) => route.pattern.test(request.path));
    if (matching.length === 0) return undefined;
    const route = matching.find((candidate) => candidate.method === request.method);
    if (!route) return { status: 405, body: { error: `${request.method} not allowed on ${request.path}` } };
    const params = (route.pattern.exec(request.path) ?? []).slice(1).map(decodeURIComponent);
    try {
      return await route.handler(request, params);
    } catch (error) {
      if (error instanceof BadRequest) return { status: 400, body: { error: error.message } };
      if (error instanceof BackendError) {
        const status = HTTP_STATUS[error.code] ?? 502;
        log.warn({ grpc_code: error.code, status, err: error.message }, "backend call failed");
        return { status, body: { error: error.message } };
      }
      throw error;
    }
  };
}

function ok(body: unknown): ApiResponse {
  return { status: 200, body };
}

function currencyOf(request: ApiRequest): string {
  const code = request.query.get("currency") ?? request.currency ?? DEFAULT_CURRENCY;
  if (!/^[A-Z]{3}$/.test(code)) throw new BadRequest(`currency must be an ISO 4217 code, got ${JSON.stringify(code)}`);
  return code;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequest(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function text(source: Record<string, unknown>, key: string, required = true): string {
  const value = source[key] ?? "";
  if (typeof value !== "string" || (required && value.trim() === "")) {
    throw new BadRequest(`${key} must be a non-empty string`);
  }
  return value;
}

function integer(source: Record<string, unknown>, key: string): number {
  const value = source[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new BadRequest(`${key} must be an integer`);
  return value;
}

export function parseCartItem(body: unknown): CartItem {
  const source = record(body, "the body");
  const quantity = integer(source, "quantity");
  if (quantity < 1 || quantity > MAX_QUANTITY) {
    throw new BadRequest(`quantity must be between 1 and ${MAX_QUANTITY}`);
  }
  return { product_id: text(source, "product_id"), quantity };
}

export interface CheckoutForm {
  email: string;
  currency: string | undefined;
  address: Address;
  credit_card: CreditCardInfo;
}

export function parseCheckout(body: unknown): CheckoutForm {
  const source = record(body, "the body");
  const email = text(source, "email");
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new BadRequest("email must be an address");
  const address = record(source.address, "address");
  const card = record(source.credit_card, "credit_card");
  const currency = source.currency === undefined ? undefined : text(source, "currency");
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) throw new BadRequest("currency must be an ISO 4217 code");
  return {
    email,
    currency,
    address: {
      street_address: text(address, "street_address"),
      city: text(address, "city"),
      state: text(address, "state", false),
      country: text(address, "country"),
      zip_code: text(address, "zip_code"),
    },
    credit_card: {
      credit_card_number: text(card, "credit_card_number"),
      credit_card_cvv: integer(card, "credit_card_cvv"),
      credit_card_expiration_year: integer(card, "credit_card_expiration_year"),
      credit_card_expiration_month: integer(card, "credit_card_expiration_month"),
    },
  };
}

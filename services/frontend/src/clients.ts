// The Backends interface over gRPC, with a deadline on every call. The grpc-js
// instrumentation makes a client span per call and injects W3C trace context.
import * as grpc from "@grpc/grpc-js";
import { loadCommerce } from "commerce-telemetry/grpc";

import type { Ad, Backends, CartItem, OrderResult, PlaceOrderRequest, Product } from "./backends.js";
import { BackendError } from "./backends.js";
import type { Money } from "./money.js";

const DEADLINE_MS = 5_000;
const CHECKOUT_DEADLINE_MS = 20_000;

export type Env = Readonly<Record<string, string | undefined>>;

export interface Peers {
  productCatalog: string;
  cart: string;
  currency: string;
  checkout: string;
  recommendation: string;
  ad: string;
}

export function peers(env: Env): Peers {
  return {
    productCatalog: env.PRODUCT_CATALOG_ADDR || "127.0.0.1:3550",
    cart: env.CART_ADDR || "127.0.0.1:7070",
    currency: env.CURRENCY_ADDR || "127.0.0.1:7001",
    checkout: env.CHECKOUT_ADDR || "127.0.0.1:5050",
    recommendation: env.RECOMMENDATION_ADDR || "127.0.0.1:9001",
    ad: env.AD_ADDR || "127.0.0.1:9555",
  };
}

type Unary = (request: unknown, options: grpc.CallOptions, callback: grpc.requestCallback<unknown>) => void;

function call<T>(client: grpc.Client, method: string, request: unknown, deadlineMs = DEADLINE_MS): Promise<T> {
  const fn = (client as unknown as Record<string, Unary>)[method];
  return new Promise<T>((resolve, reject) => {
    fn.call(client, request, { deadline: Date.now() + deadlineMs }, (error, value) => {
      if (error) reject(new BackendError(error.code ?? grpc.status.UNKNOWN, error.details || error.message));
      else resolve(value as T);
    });
  });
}

export interface GrpcBackends extends Backends {
  close(): void;
}

export function grpcBackends(dir: string, addresses: Peers): GrpcBackends {
  const v1 = loadCommerce(dir);
  const credentials = grpc.credentials.createInsecure();
  const make = (name: string, addr: string): grpc.Client =>
    new (v1[name] as grpc.ServiceClientConstructor)(addr, credentials);
  const catalog = make("ProductCatalogService", addresses.productCatalog);
  const cart = make("CartService", addresses.cart);
  const currency = make("CurrencyService", addresses.currency);
  const checkout = make("CheckoutService", addresses.checkout);
  const recommendation = make("RecommendationService", addresses.recommendation);
  const ad = make("AdService", addresses.ad);
  return {
    listProducts: async () => (await call<{ products: Product[] }>(catalog, "ListProducts", {})).products,
    getProduct: (id) => call<Product>(catalog, "GetProduct", { id }),
    addItem: async (userId, item) => {
      await call(cart, "AddItem", { user_id: userId, item });
    },
    getCart: async (userId) => (await call<{ items: CartItem[] }>(cart, "GetCart", { user_id: userId })).items,
    supportedCurrencies: async () =>
      (await call<{ currency_codes: string[] }>(currency, "GetSupportedCurrencies", {})).currency_codes,
    convert: (from, toCode) => call<Money>(currency, "Convert", { from, to_code: toCode }),
    placeOrder: async (request: PlaceOrderRequest) =>
      (await call<{ order: OrderResult }>(checkout, "PlaceOrder", request, CHECKOUT_DEADLINE_MS)).order,
    recommendations: async (userId, productIds) =>
      (
        await call<{ product_ids: string[] }>(recommendation, "ListRecommendations", {
          user_id: userId,
          product_ids: productIds,
        })
      ).product_ids,
    ads: async (contextKeys) => (await call<{ ads: Ad[] }>(ad, "GetAds", { context_keys: contextKeys })).ads,
    close: () => [catalog, cart, currency, checkout, recommendation, ad].forEach((client) => client.close()),
  };
}

// The shop as the app sees it: the frontend's JSON API (/api/products, /api/cart,
// /api/checkout, /api/currencies). `fetch` is passed in, so tests give a fake and the app gives
// the instrumented global one.
import type { Money } from "./money";

export interface Product {
  id: string;
  name: string;
  description: string;
  picture: string;
  categories: string[];
  price: Money;
}

export interface CartLine {
  product_id: string;
  name: string;
  quantity: number;
  price: Money;
  line_total: Money;
}

export interface Cart {
  currency: string;
  items: CartLine[];
  total: Money;
}

export interface Address {
  street_address: string;
  city: string;
  state: string;
  country: string;
  zip_code: string;
}

export interface Card {
  credit_card_number: string;
  credit_card_cvv: number;
  credit_card_expiration_year: number;
  credit_card_expiration_month: number;
}

export interface CheckoutForm {
  email: string;
  currency: string;
  address: Address;
  credit_card: Card;
}

export interface Order {
  order_id: string;
  shipping_tracking_id: string;
  shipping_cost: Money;
  total: Money;
  items: unknown[];
}

export interface ShopApi {
  products(currency: string): Promise<Product[]>;
  product(id: string, currency: string): Promise<Product>;
  cart(currency: string): Promise<Cart>;
  addToCart(productId: string, quantity: number): Promise<void>;
  checkout(form: CheckoutForm): Promise<Order>;
  currencies(): Promise<string[]>;
}

/** A non-2xx answer, with the message the frontend put in `{"error": ...}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** The frontend keys carts by this cookie; the app keeps one id per install (see session.ts). */
export const USER_COOKIE = "shop_user_id";

export function createApi(baseUrl: string, userId: string, fetchImpl: Fetch): ShopApi {
  const base = baseUrl.replace(/\/+$/, "");

  async function call<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", cookie: `${USER_COOKIE}=${userId}` };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    // credentials "omit": the native cookie stores must not replace the cookie set here.
    const response = await fetchImpl(`${base}${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: "omit",
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const message = (parsed as { error?: string } | undefined)?.error ?? `HTTP ${response.status}`;
      throw new ApiError(response.status, message);
    }
    return parsed as T;
  }

  const query = (currency: string) => `?currency=${encodeURIComponent(currency)}`;
  return {
    products: async (currency) =>
      (await call<{ products: Product[] }>(`/api/products${query(currency)}`)).products,
    product: async (id, currency) =>
      (await call<{ product: Product }>(`/api/products/${encodeURIComponent(id)}${query(currency)}`)).product,
    cart: (currency) => call<Cart>(`/api/cart${query(currency)}`),
    addToCart: async (productId, quantity) => {
      await call("/api/cart", { method: "POST", body: { product_id: productId, quantity } });
    },
    checkout: (form) => call<Order>("/api/checkout", { method: "POST", body: form }),
    currencies: async () => (await call<{ currency_codes: string[] }>("/api/currencies")).currency_codes,
  };
}

import type { Cart, Order, Product, ShopApi } from "../../src/api";

export const PRODUCTS: Product[] = [
  {
    id: "OLJCESPC7Z",
    name: "Sunglasses",
    description: "Add a modern touch to your outfits.",
    picture: "/static/img/products/sunglasses.jpg",
    categories: ["accessories"],
    price: { currency_code: "EUR", units: "17", nanos: 490_000_000 },
  },
  {
    id: "66VCHSJNUP",
    name: "Tank Top",
    description: "Perfectly cropped cotton tank.",
    picture: "/static/img/products/tank-top.jpg",
    categories: ["clothing", "tops"],
    price: { currency_code: "EUR", units: "1234", nanos: 0 },
  },
];

/** A shop in memory: what the screens see through ShopApi, and what they asked of it. */
export function fakeApi(overrides: Partial<ShopApi> = {}): ShopApi & { calls: string[] } {
  const calls: string[] = [];
  const cart: Cart = { currency: "EUR", items: [], total: { currency_code: "EUR", units: "0", nanos: 0 } };
  const order: Order = {
    order_id: "order-1",
    shipping_tracking_id: "track-1",
    shipping_cost: { currency_code: "EUR", units: "8", nanos: 990_000_000 },
    total: { currency_code: "EUR", units: "26", nanos: 480_000_000 },
    items: [],
  };
  return {
    calls,
    products: async (currency) => {
      calls.push(`products ${currency}`);
      return PRODUCTS;
    },
    product: async (id) => PRODUCTS.find((p) => p.id === id) ?? PRODUCTS[0],
    cart: async () => cart,
    addToCart: async (id, quantity) => {
      calls.push(`add ${id} ${quantity}`);
    },
    checkout: async (form) => {
      calls.push(`checkout ${form.currency} ${form.credit_card.credit_card_number}`);
      return order;
    },
    currencies: async () => ["EUR", "USD", "JPY"],
    ...overrides,
  };
}

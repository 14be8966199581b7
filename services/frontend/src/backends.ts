// What the frontend needs from the other services, as one interface: the API handlers depend
// on it, the gRPC clients implement it, and tests pass a fake.
import type { Money } from "./money.js";

export interface Product {
  id: string;
  name: string;
  description: string;
  picture: string;
  price_usd: Money;
  categories: string[];
}

export interface CartItem {
  product_id: string;
  quantity: number;
}

export interface Address {
  street_address: string;
  city: string;
  state: string;
  country: string;
  zip_code: string;
}

export interface CreditCardInfo {
  credit_card_number: string;
  credit_card_cvv: number;
  credit_card_expiration_year: number;
  credit_card_expiration_month: number;
}

export interface PlaceOrderRequest {
  user_id: string;
  user_currency: string;
  address: Address;
  email: string;
  credit_card: CreditCardInfo;
}

export interface OrderItem {
  item: CartItem;
  cost: Money;
}

export interface OrderResult {
  order_id: string;
  shipping_tracking_id: string;
  shipping_cost: Money;
  shipping_address: Address;
  items: OrderItem[];
  total: Money;
  user_id: string;
  email: string;
  transaction_id: string;
}

export interface Ad {
  redirect_url: string;
  text: string;
}

export interface Backends {
  listProducts(): Promise<Product[]>;
  getProduct(id: string): Promise<Product>;
  addItem(userId: string, item: CartItem): Promise<void>;
  getCart(userId: string): Promise<CartItem[]>;
  supportedCurrencies(): Promise<string[]>;
  convert(from: Money, toCode: string): Promise<Money>;
  placeOrder(request: PlaceOrderRequest): Promise<OrderResult>;
  recommendations(userId: string, productIds: string[]): Promise<string[]>;
  ads(contextKeys: string[]): Promise<Ad[]>;
}

/** A failed backend call with its gRPC status code (see @grpc/grpc-js `status`). */
export class BackendError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

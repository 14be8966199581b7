import { useState } from "react";
import { ScrollView, Text, TextInput } from "react-native";

import type { CheckoutForm, Order, ShopApi } from "../api";
import { formatMoney } from "../money";
import { traced } from "../telemetry";
import { Button, styles } from "../ui";

/** Visa's documented test number: the payment service accepts it and charges nothing real. */
export const TEST_CARD = "4111111111111111";

type Fields = { email: string; street_address: string; city: string; state: string; country: string; zip_code: string; card: string };

const START: Fields = {
  email: "shopper@example.com",
  street_address: "1600 Amphitheatre Parkway",
  city: "Mountain View",
  state: "CA",
  country: "US",
  zip_code: "94043",
  card: TEST_CARD,
};

export function checkoutForm(fields: Fields, currency: string, now: Date): CheckoutForm {
  const { card, email, ...address } = fields;
  return {
    email,
    currency,
    address,
    credit_card: {
      credit_card_number: card.replace(/\s+/g, ""),
      credit_card_cvv: 123,
      credit_card_expiration_year: now.getFullYear() + 1,
      credit_card_expiration_month: 1,
    },
  };
}

export function Checkout({ api, currency }: { api: ShopApi; currency: string }) {
  const [fields, setFields] = useState(START);
  const [placing, setPlacing] = useState(false);
  const [order, setOrder] = useState<Order>();
  const [error, setError] = useState<string>();
  if (order) {
    return (
      <ScrollView contentContainerStyle={styles.pad}>
        <Text style={styles.title}>Thank you!</Text>
        <Text>Order {order.order_id}</Text>
        <Text>Tracking {order.shipping_tracking_id}</Text>
        <Text style={styles.title}>Paid {formatMoney(order.total)}</Text>
      </ScrollView>
    );
  }
  const place = () => {
    setPlacing(true);
    setError(undefined);
    traced("checkout", () => api.checkout(checkoutForm(fields, currency, new Date()))).then(setOrder, (e: Error) => {
      setError(e.message);
      setPlacing(false);
    });
  };
  const field = (key: keyof Fields, label: string) => (
    <TextInput
      key={key}
      accessibilityLabel={label}
      placeholder={label}
      value={fields[key]}
      onChangeText={(text) => setFields({ ...fields, [key]: text })}
      autoCapitalize="none"
      style={styles.input}
    />
  );
  return (
    <ScrollView contentContainerStyle={styles.pad}>
      {field("email", "Email")}
      {field("street_address", "Street")}
      {field("city", "City")}
      {field("state", "State")}
      {field("country", "Country")}
      {field("zip_code", "ZIP code")}
      {field("card", "Card number")}
      {error ? <Text accessibilityRole="alert">{error}</Text> : null}
      <Button title={`Place order (${currency})`} onPress={place} disabled={placing} />
    </ScrollView>
  );
}

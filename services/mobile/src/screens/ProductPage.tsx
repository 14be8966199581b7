import { useState } from "react";
import { ScrollView, Text } from "react-native";

import type { ShopApi } from "../api";
import { formatMoney } from "../money";
import { traced } from "../telemetry";
import { Button, Loaded, styles } from "../ui";
import { useLoad } from "../useLoad";

export function ProductPage({ api, id, currency, onAdded }: { api: ShopApi; id: string; currency: string; onAdded: () => void }) {
  const [load, retry] = useLoad(() => api.product(id, currency), `${id}/${currency}`);
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string>();
  const add = () => {
    setAdding(true);
    traced("add to cart", () => api.addToCart(id, 1)).then(onAdded, (e: Error) => {
      setError(e.message);
      setAdding(false);
    });
  };
  return (
    <Loaded load={load} retry={retry}>
      {(product) => (
        <ScrollView contentContainerStyle={styles.pad}>
          <Text style={styles.title}>{product.name}</Text>
          <Text style={styles.muted}>{product.categories.join(" · ")}</Text>
          <Text>{product.description}</Text>
          <Text style={styles.title}>{formatMoney(product.price)}</Text>
          {error ? <Text accessibilityRole="alert">{error}</Text> : null}
          <Button title="Add to cart" onPress={add} disabled={adding} />
        </ScrollView>
      )}
    </Loaded>
  );
}

import { FlatList, Text, View } from "react-native";

import type { ShopApi } from "../api";
import { formatMoney } from "../money";
import { Button, Loaded, styles } from "../ui";
import { useLoad } from "../useLoad";

export function CartScreen({ api, currency, onCheckout }: { api: ShopApi; currency: string; onCheckout: () => void }) {
  const [load, retry] = useLoad(() => api.cart(currency), currency);
  return (
    <Loaded load={load} retry={retry}>
      {(cart) =>
        cart.items.length === 0 ? (
          <Text style={styles.pad}>Your cart is empty.</Text>
        ) : (
          <FlatList
            data={cart.items}
            keyExtractor={(line) => line.product_id}
            ItemSeparatorComponent={() => <View style={styles.separator} />}
            renderItem={({ item }) => (
              <View style={styles.row}>
                <Text>
                  {item.quantity} × {item.name}
                </Text>
                <Text>{formatMoney(item.line_total)}</Text>
              </View>
            )}
            ListFooterComponent={
              <View style={styles.pad}>
                <Text style={styles.title}>Total {formatMoney(cart.total)}</Text>
                <Button title="Checkout" onPress={onCheckout} />
              </View>
            }
          />
        )
      }
    </Loaded>
  );
}

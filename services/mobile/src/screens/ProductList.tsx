import { FlatList, Pressable, Text, View } from "react-native";

import type { ShopApi } from "../api";
import { formatMoney } from "../money";
import { Loaded, styles } from "../ui";
import { useLoad } from "../useLoad";

export function ProductList({ api, currency, onOpen }: { api: ShopApi; currency: string; onOpen: (id: string) => void }) {
  const [load, retry] = useLoad(() => api.products(currency), currency);
  return (
    <Loaded load={load} retry={retry}>
      {(products) => (
        <FlatList
          data={products}
          keyExtractor={(product) => product.id}
          ItemSeparatorComponent={() => <View style={styles.separator} />}
          renderItem={({ item }) => (
            <Pressable accessibilityRole="button" accessibilityLabel={item.name} onPress={() => onOpen(item.id)} style={styles.row}>
              <Text>{item.name}</Text>
              <Text style={styles.muted}>{formatMoney(item.price)}</Text>
            </Pressable>
          )}
        />
      )}
    </Loaded>
  );
}

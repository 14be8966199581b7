// Screens as a small stack held in state: the shop has four of them, which a navigation library
// would not make clearer.
import { useEffect, useState } from "react";
import { BackHandler, Pressable, Text, View } from "react-native";

import type { ShopApi } from "./api";
import { CurrencyPicker } from "./CurrencyPicker";
import { CartScreen } from "./screens/CartScreen";
import { Checkout } from "./screens/Checkout";
import { ProductList } from "./screens/ProductList";
import { ProductPage } from "./screens/ProductPage";
import { styles } from "./ui";

export type Screen = { name: "products" } | { name: "product"; id: string } | { name: "cart" } | { name: "checkout" };

export function App({ api }: { api: ShopApi }) {
  const [stack, setStack] = useState<Screen[]>([{ name: "products" }]);
  const [currency, setCurrency] = useState("USD");
  const screen = stack[stack.length - 1];
  const open = (next: Screen) => setStack([...stack, next]);
  // Android's back button goes back a screen, and leaves the app from the first one.
  useEffect(() => {
    const subscription = BackHandler.addEventListener("hardwareBackPress", () => {
      if (stack.length === 1) return false;
      setStack(stack.slice(0, -1));
      return true;
    });
    return () => subscription.remove();
  }, [stack]);
  return (
    <View style={{ flex: 1, paddingTop: 32 }}>
      <View style={styles.row}>
        {stack.length > 1 ? (
          <Pressable accessibilityRole="button" onPress={() => setStack(stack.slice(0, -1))}>
            <Text>‹ Back</Text>
          </Pressable>
        ) : (
          <Text style={styles.title}>Shop</Text>
        )}
        <Pressable accessibilityRole="button" onPress={() => open({ name: "cart" })}>
          <Text>Cart</Text>
        </Pressable>
      </View>
      <CurrencyPicker api={api} value={currency} onChange={setCurrency} />
      <View style={{ flex: 1 }}>
        {screen.name === "products" && <ProductList api={api} currency={currency} onOpen={(id) => open({ name: "product", id })} />}
        {screen.name === "product" && (
          <ProductPage api={api} id={screen.id} currency={currency} onAdded={() => open({ name: "cart" })} />
        )}
        {screen.name === "cart" && <CartScreen api={api} currency={currency} onCheckout={() => open({ name: "checkout" })} />}
        {screen.name === "checkout" && <Checkout api={api} currency={currency} />}
      </View>
    </View>
  );
}

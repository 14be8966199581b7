import { Pressable, ScrollView, Text } from "react-native";

import type { ShopApi } from "./api";
import { Loaded, styles } from "./ui";
import { useLoad } from "./useLoad";

export function CurrencyPicker({ api, value, onChange }: { api: ShopApi; value: string; onChange: (code: string) => void }) {
  const [load, retry] = useLoad(() => api.currencies(), "currencies");
  return (
    <Loaded load={load} retry={retry}>
      {(codes) => (
        <ScrollView horizontal contentContainerStyle={{ gap: 8, padding: 8 }}>
          {codes.map((code) => (
            <Pressable
              key={code}
              accessibilityRole="button"
              accessibilityState={{ selected: code === value }}
              onPress={() => onChange(code)}
              style={[styles.button, code !== value && styles.disabled]}
            >
              <Text style={styles.buttonText}>{code}</Text>
            </Pressable>
          ))}
        </ScrollView>
      )}
    </Loaded>
  );
}

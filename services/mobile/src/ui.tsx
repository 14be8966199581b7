// The few building blocks every screen shares.
import type { ReactNode } from "react";
import { ActivityIndicator, Pressable, StyleSheet, Text, View } from "react-native";

import type { Load } from "./useLoad";

export function Loaded<T>({ load, retry, children }: { load: Load<T>; retry: () => void; children: (value: T) => ReactNode }) {
  if (load.state === "loading") return <ActivityIndicator accessibilityLabel="Loading" style={styles.pad} />;
  if (load.state === "failed") {
    return (
      <View style={styles.pad}>
        <Text accessibilityRole="alert">Could not reach the shop: {load.error}</Text>
        <Button title="Try again" onPress={retry} />
      </View>
    );
  }
  return <>{children(load.value)}</>;
}

export function Button({ title, onPress, disabled }: { title: string; onPress: () => void; disabled?: boolean }) {
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityState={{ disabled: !!disabled }}
      disabled={disabled}
      onPress={onPress}
      style={[styles.button, disabled && styles.disabled]}
    >
      <Text style={styles.buttonText}>{title}</Text>
    </Pressable>
  );
}

export const styles = StyleSheet.create({
  pad: { padding: 16, gap: 12 },
  row: { flexDirection: "row", justifyContent: "space-between", alignItems: "center", padding: 16 },
  title: { fontSize: 20, fontWeight: "600" },
  muted: { color: "#555" },
  separator: { height: StyleSheet.hairlineWidth, backgroundColor: "#ccc" },
  button: { backgroundColor: "#1f4f8f", borderRadius: 6, paddingVertical: 12, paddingHorizontal: 16, alignItems: "center" },
  disabled: { opacity: 0.5 },
  buttonText: { color: "#fff", fontWeight: "600" },
  input: { borderWidth: StyleSheet.hairlineWidth, borderColor: "#888", borderRadius: 4, padding: 8 },
});

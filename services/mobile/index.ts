// The app's entry: telemetry first (it wraps the global fetch), then the shop.
import { randomUUID } from "expo-crypto";
import { registerRootComponent } from "expo";
import { createElement } from "react";
import { Platform } from "react-native";

import { createApi } from "./src/api";
import { App } from "./src/App";
import { startTelemetry } from "./src/telemetry";

// Expo inlines EXPO_PUBLIC_* at export time (see .env).
const shopUrl = process.env.EXPO_PUBLIC_SHOP_URL ?? "http://127.0.0.1:8080";
startTelemetry({
  shopUrl,
  otlpEndpoint: process.env.EXPO_PUBLIC_OTLP_ENDPOINT,
  attributes: { "os.name": Platform.OS, "os.version": String(Platform.Version) },
});
// One shopper per launch; the frontend keeps the cart under this id.
const api = createApi(shopUrl, randomUUID(), (url, init) => fetch(url, init));

registerRootComponent(() => createElement(App, { api }));

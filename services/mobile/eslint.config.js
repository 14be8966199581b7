// Expo's rules (React, hooks, imports, TypeScript) over the app, the server and the tests.
const { defineConfig } = require("eslint/config");
const expo = require("eslint-config-expo/flat");

module.exports = defineConfig([
  expo,
  { ignores: ["dist/", "build/", ".expo/", "android/", "ios/", ".commerce-ci/"] },
  { rules: { "no-console": ["error", { allow: ["error"] }] } },
]);

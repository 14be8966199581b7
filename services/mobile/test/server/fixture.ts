import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const BUNDLE = "_expo/static/js/android/index-1.hbc";

/** A dist/ as `expo export` leaves it, and the app.json beside it. */
export function exported(bundle = "android bytecode", runtimeVersion = "1.0.0"): { dist: string; appJson: string } {
  const root = mkdtempSync(path.join(tmpdir(), "export-"));
  const dist = path.join(root, "dist");
  for (const dir of ["_expo/static/js/android", "_expo/static/js/ios", "assets"]) mkdirSync(path.join(dist, dir), { recursive: true });
  writeFileSync(path.join(dist, BUNDLE), bundle);
  writeFileSync(path.join(dist, "_expo/static/js/ios/index-2.hbc"), "ios bytecode");
  writeFileSync(path.join(dist, "assets/0123"), "png bytes");
  const metadata = {
    version: 0,
    bundler: "metro",
    fileMetadata: {
      android: { bundle: BUNDLE, assets: [{ path: "assets/0123", ext: "png" }] },
      ios: { bundle: "_expo/static/js/ios/index-2.hbc", assets: [] },
    },
  };
  writeFileSync(path.join(dist, "metadata.json"), JSON.stringify(metadata));
  const appJson = path.join(root, "app.json");
  writeFileSync(appJson, JSON.stringify({ expo: { name: "Shop", slug: "shop", runtimeVersion } }));
  return { dist, appJson };
}


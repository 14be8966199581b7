import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";

import { manifestReply } from "../../server/protocol";
import { ReleaseError, loadRelease } from "../../server/release";
import type { Release } from "../../server/release";
import { BUNDLE, exported } from "./fixture";

const load = (bundle?: string): Release => {
  const { dist, appJson } = exported(bundle);
  return loadRelease(dist, appJson);
};

const ask = (release: Release, headers: Partial<Record<"platform" | "runtimeVersion" | "protocolVersion" | "accept", string>>) =>
  manifestReply(
    release,
    { platform: headers.platform, runtimeVersion: headers.runtimeVersion, protocolVersion: headers.protocolVersion, accept: headers.accept },
    "https://updates.test",
    "b0undary",
  );

describe("loadRelease", () => {
  it("names the launch bundle by the base64url SHA-256 of its bytes", () => {
    const release = load("android bytecode");
    const expected = createHash("sha256").update("android bytecode").digest("base64url");
    expect(release.platforms.android.launchAsset).toMatchObject({ path: BUNDLE, hash: expected, contentType: "application/javascript" });
    expect(release.platforms.android.assets[0]).toMatchObject({ path: "assets/0123", contentType: "image/png", fileExtension: ".png" });
  });

  it("gives the same bundle the same update id, and a new bundle a new one", () => {
    const first = load("v1").platforms.android.id;
    expect(load("v1").platforms.android.id).toBe(first);
    expect(load("v2").platforms.android.id).not.toBe(first);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("refuses a dist/ without metadata.json, saying to run the build", () => {
    const { appJson } = exported();
    expect(() => loadRelease(path.join(tmpdir(), "no-such-dist"), appJson)).toThrow(ReleaseError);
    expect(() => loadRelease(path.join(tmpdir(), "no-such-dist"), appJson)).toThrow(/run the build/);
  });
});

describe("manifestReply", () => {
  it("answers an expo-updates client with a multipart manifest for its platform", () => {
    const release = load();
    const reply = ask(release, { platform: "android", runtimeVersion: "1.0.0", protocolVersion: "1", accept: "multipart/mixed" });

    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({
      "expo-protocol-version": "1",
      "expo-sfv-version": "0",
      "content-type": "multipart/mixed; boundary=b0undary",
    });
    const [, part] = reply.body.split("--b0undary\r\n");
    const manifest = JSON.parse(part.split("\r\n\r\n")[1].split("\r\n--b0undary--")[0]);
    expect(manifest).toMatchObject({
      id: release.platforms.android.id,
      runtimeVersion: "1.0.0",
      createdAt: release.createdAt,
      launchAsset: { hash: release.platforms.android.launchAsset.hash, url: `https://updates.test/files/${BUNDLE}` },
      extra: { expoClient: { slug: "shop" } },
    });
    expect(manifest.assets).toHaveLength(1);
  });

  it("answers plain JSON to a client that does not take multipart", () => {
    const reply = ask(load(), { platform: "ios", runtimeVersion: "1.0.0" });
    expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(reply.body).launchAsset.url).toBe("https://updates.test/files/_expo/static/js/ios/index-2.hbc");
  });

  it("has no update for another runtime version", () => {
    const reply = ask(load(), { platform: "ios", runtimeVersion: "2.0.0" });
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body).error).toMatch(/runtime version "2.0.0"/);
  });

  it("refuses an unknown platform", () => {
    expect(ask(load(), { platform: "web", runtimeVersion: "1.0.0" }).status).toBe(400);
  });
});

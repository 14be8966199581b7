import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import type { Server } from "node:http";

import { createHandler } from "../../server/app";
import { loadRelease } from "../../server/release";
import { exported } from "./fixture";

let server: Server;
let base: string;

beforeAll(async () => {
  const { dist, appJson } = exported("the android bundle");
  server = createServer(createHandler(loadRelease(dist, appJson), { DIST_DIR: dist }, () => true));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("the update server", () => {
  it("serves the bundle the manifest names, with the hash the manifest gives", async () => {
    const manifest = await (
      await fetch(`${base}/api/manifest`, { headers: { "expo-platform": "android", "expo-runtime-version": "1.0.0" } })
    ).json();
    expect(manifest.launchAsset.url.startsWith(`${base}/files/`)).toBe(true);

    const bundle = await fetch(manifest.launchAsset.url);
    const bytes = Buffer.from(await bundle.arrayBuffer());

    expect(bundle.headers.get("content-type")).toBe("application/javascript");
    expect(bytes.toString()).toBe("the android bundle");
    expect(createHash("sha256").update(bytes).digest("base64url")).toBe(manifest.launchAsset.hash);
  });

  it("serves no file the release does not list", async () => {
    for (const path of ["/files/metadata.json", "/files/../app.json", "/files/%2e%2e/app.json", "/etc/passwd"]) {
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    }
  });

  it("answers its health checks", async () => {
    expect(await (await fetch(`${base}/healthz`)).text()).toBe("ok\n");
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});

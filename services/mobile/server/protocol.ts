// The Expo Updates protocol (versions 0 and 1), server side: which manifest a request asks for,
// and the response that carries it. No code signing: see the README.
import type { Asset, Platform, Release } from "./release";
import { PLATFORMS } from "./release";

export interface ManifestRequest {
  platform: string | undefined;
  runtimeVersion: string | undefined;
  protocolVersion: string | undefined;
  accept: string | undefined;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface ManifestAsset {
  hash: string;
  key: string;
  contentType: string;
  fileExtension?: string;
  url: string;
}

function manifestAsset(asset: Asset, baseUrl: string, launch: boolean): ManifestAsset {
  const out: ManifestAsset = { hash: asset.hash, key: asset.key, contentType: asset.contentType, url: `${baseUrl}/files/${asset.path}` };
  if (!launch) out.fileExtension = asset.fileExtension;
  return out;
}

export function manifest(release: Release, platform: Platform, baseUrl: string) {
  const update = release.platforms[platform];
  return {
    id: update.id,
    createdAt: release.createdAt,
    runtimeVersion: release.runtimeVersion,
    launchAsset: manifestAsset(update.launchAsset, baseUrl, true),
    assets: update.assets.map((a) => manifestAsset(a, baseUrl, false)),
    metadata: {},
    extra: { expoClient: release.expoClient },
  };
}

function error(status: number, message: string): Reply {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: message }) };
}

/** multipart/mixed with one `manifest` part, as expo-updates clients ask for it. */
export function multipart(json: string, boundary: string): string {
  const crlf = "\r\n";
  return (
    `--${boundary}${crlf}content-disposition: form-data; name="manifest"${crlf}` +
    `content-type: application/json; charset=utf-8${crlf}${crlf}${json}${crlf}--${boundary}--${crlf}`
  );
}

export function manifestReply(release: Release, request: ManifestRequest, baseUrl: string, boundary: string): Reply {
  const platform = request.platform as Platform;
  if (!PLATFORMS.includes(platform)) return error(400, `expo-platform must be one of ${PLATFORMS.join(", ")}`);
  if (request.runtimeVersion !== release.runtimeVersion) {
    return error(404, `no update for runtime version ${JSON.stringify(request.runtimeVersion ?? "")}; this server has ${release.runtimeVersion}`);
  }
  const protocolVersion = request.protocolVersion === "1" ? "1" : "0";
  const headers: Record<string, string> = {
    "expo-protocol-version": protocolVersion,
    "expo-sfv-version": "0",
    "cache-control": "private, max-age=0",
  };
  const json = JSON.stringify(manifest(release, platform, baseUrl));
  if ((request.accept ?? "").includes("multipart/mixed")) {
    return { status: 200, headers: { ...headers, "content-type": `multipart/mixed; boundary=${boundary}` }, body: multipart(json, boundary) };
  }
  const type = protocolVersion === "1" ? "application/expo+json" : "application/json";
  return { status: 200, headers: { ...headers, "content-type": `${type}; charset=utf-8` }, body: json };
}

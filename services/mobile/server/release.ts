// What `expo export` left in dist/, read once at start: per platform, the launch bundle and the
// assets, each with the SHA-256 the Expo Updates protocol names it by.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";

export const PLATFORMS = ["android", "ios"] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface Asset {
  /** Path under dist/, also the URL path under /files/. */
  path: string;
  /** base64url SHA-256 of the bytes (the protocol's `hash`). */
  hash: string;
  /** MD5 hex of the bytes: the name `expo export` gives assets (the protocol's `key`). */
  key: string;
  contentType: string;
  fileExtension: string;
}

export interface PlatformUpdate {
  /** A UUID derived from the platform's files: the same bundle is the same update. */
  id: string;
  launchAsset: Asset;
  assets: Asset[];
}

export interface Release {
  runtimeVersion: string;
  /** When the bundle was made: metadata.json's mtime (an image fixes it to the commit time). */
  createdAt: string;
  /** The app's `expo` config, handed to the client as `extra.expoClient`. */
  expoClient: Record<string, unknown>;
  platforms: Record<Platform, PlatformUpdate>;
  /** Every servable file: path under dist/ -> its asset record. */
  files: Map<string, Asset>;
}

interface Metadata {
  fileMetadata: Record<string, { bundle: string; assets: { path: string; ext: string }[] }>;
}

const CONTENT_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  ttf: "font/ttf",
  otf: "font/otf",
  json: "application/json",
};

export class ReleaseError extends Error {}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ReleaseError(`${file}: ${(error as Error).message}; run the build (expo export) first`);
  }
}

function asset(distDir: string, relative: string, ext: string, contentType?: string): Asset {
  const normal = path.posix.normalize(relative);
  if (normal.startsWith("..") || path.isAbsolute(normal)) throw new ReleaseError(`metadata.json: ${relative} leaves dist/`);
  const bytes = readFileSync(path.join(distDir, normal));
  return {
    path: normal,
    hash: createHash("sha256").update(bytes).digest("base64url"),
    key: createHash("md5").update(bytes).digest("hex"),
    contentType: contentType ?? CONTENT_TYPES[ext] ?? "application/octet-stream",
    fileExtension: `.${ext}`,
  };
}

/** A UUID (RFC 9562 version 8: custom) from a SHA-256 of the given parts. */
export function contentUuid(parts: string[]): string {
  const hex = createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 32).split("");
  hex[12] = "8";
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function platformUpdate(distDir: string, runtimeVersion: string, entry: Metadata["fileMetadata"][string]): PlatformUpdate {
  const ext = path.extname(entry.bundle).slice(1);
  const launchAsset = asset(distDir, entry.bundle, ext, "application/javascript");
  const assets = entry.assets.map((a) => asset(distDir, a.path, a.ext));
  const id = contentUuid([runtimeVersion, launchAsset.hash, ...assets.map((a) => a.hash)]);
  return { id, launchAsset, assets };
}

export function loadRelease(distDir: string, appJsonPath: string): Release {
  const metadataPath = path.join(distDir, "metadata.json");
  const metadata = readJson(metadataPath) as Metadata;
  const expoClient = (readJson(appJsonPath) as { expo?: Record<string, unknown> }).expo ?? {};
  const runtimeVersion = expoClient.runtimeVersion;
  if (typeof runtimeVersion !== "string" || runtimeVersion === "") {
    throw new ReleaseError(`${appJsonPath}: expo.runtimeVersion must be a version string`);
  }
  const platforms = {} as Record<Platform, PlatformUpdate>;
  const files = new Map<string, Asset>();
  for (const platform of PLATFORMS) {
    const entry = metadata.fileMetadata?.[platform];
    if (!entry) throw new ReleaseError(`${metadataPath}: fileMetadata.${platform}: missing (export both platforms)`);
    platforms[platform] = platformUpdate(distDir, runtimeVersion, entry);
    for (const a of [platforms[platform].launchAsset, ...platforms[platform].assets]) files.set(a.path, a);
  }
  const createdAt = statSync(metadataPath).mtime.toISOString();
  return { runtimeVersion, createdAt, expoClient, platforms, files };
}

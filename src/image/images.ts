import type { DbName } from "../core/cluster.js";
import { UsageError } from "../core/exit.js";
import { docker } from "../docker/engine.js";
import { IMAGE_LABELS } from "../docker/labels.js";
import { IMAGE_REPO } from "./definition.js";
import type { NodeImage } from "./nodeImage.js";
import { missingImageMessage, pickNodeImage } from "./select.js";

/** A node image present in the local engine, as its labels describe it. */
export interface NodeImageInfo {
  ref: string;
  id: string;
  engine: DbName;
  version: string;
  route: string;
  suite?: string;
  definitionHash?: string;
  /** Unix seconds. */
  created: number;
  sizeBytes: number;
}

export async function listNodeImages(): Promise<NodeImageInfo[]> {
  const images = await docker().listImages({ filters: { label: [IMAGE_LABELS.engine] } });
  const out: NodeImageInfo[] = [];
  for (const img of images) {
    const l = img.Labels ?? {};
    const tags = (img.RepoTags ?? []).filter((t) => t !== "<none>:<none>");
    const ref = tags.find((t) => t.startsWith(`${IMAGE_REPO}:`)) ?? tags[0];
    if (!ref) continue;
    const info: NodeImageInfo = {
      ref,
      id: img.Id,
      engine: l[IMAGE_LABELS.engine] as DbName,
      version: l[IMAGE_LABELS.version] ?? "unknown",
      route: l[IMAGE_LABELS.route] ?? "unknown",
      created: img.Created,
      sizeBytes: img.Size,
    };
    if (l[IMAGE_LABELS.suite]) info.suite = l[IMAGE_LABELS.suite];
    if (l[IMAGE_LABELS.definitionHash]) info.definitionHash = l[IMAGE_LABELS.definitionHash];
    out.push(info);
  }
  return out.sort((a, b) => b.created - a.created);
}

/** The local node image a run takes for an engine, and version when given ("7", "7.0" or "7.0.15"): the highest match. */
export async function findNodeImage(db: DbName, version?: string): Promise<NodeImageInfo | undefined> {
  return pickNodeImage(await listNodeImages(), db, version);
}

export interface EnsureOptions {
  /** The engine's image definition (its folder's `image`: src/image knows no engine by name). */
  image: NodeImage;
  version?: string;
  /** Build offline from Debian when no image is present (needs root and debootstrap). Default: refuse. */
  buildOffline?: boolean;
  quiet?: boolean;
}

/**
 * The image ref a run should use for `db`: an existing node image, or (when asked) one built offline now.
 * Otherwise a UsageError that names the command to build one.
 */
export async function ensureNodeImage(opts: EnsureOptions): Promise<string> {
  const images = await listNodeImages();
  const { image } = opts;
  const found = pickNodeImage(images, image.engine, opts.version);
  if (found) return found.ref;
  if (opts.buildOffline && !image.offlineBinary) {
    const { buildOfflineImage } = await import("./offline.js");
    const built = await buildOfflineImage({
      image,
      ...(opts.version ? { version: opts.version } : {}),
      quiet: opts.quiet ?? false,
    });
    return built.ref;
  }
  const { message, hint } = missingImageMessage(images, image, opts.version);
  throw new UsageError(message, hint);
}

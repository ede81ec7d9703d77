import type { DbName } from "../cluster/types.js";
import { UsageError } from "../cli/exit.js";
import { docker } from "../docker/engine.js";
import { IMAGE_LABELS } from "../docker/labels.js";
import { IMAGE_REPO, versionMatches } from "./definition.js";

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

/** The newest local node image for an engine (and version, when given: "7", "7.0" or "7.0.15"). */
export async function findNodeImage(db: DbName, version?: string): Promise<NodeImageInfo | undefined> {
  return (await listNodeImages()).find((i) => i.engine === db && (version === undefined || versionMatches(version, i.version)));
}

export interface EnsureOptions {
  db: DbName;
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
  const found = await findNodeImage(opts.db, opts.version);
  if (found) return found.ref;
  const what = `${opts.db}${opts.version ? ` ${opts.version}` : ""}`;
  const versionFlag = opts.version ? ` --version ${opts.version}` : "";
  if (opts.buildOffline && opts.db !== "dragonfly") {
    const { buildOfflineImage } = await import("./offline.js");
    const built = await buildOfflineImage({ db: opts.db, ...(opts.version ? { version: opts.version } : {}), quiet: opts.quiet ?? false });
    return built.ref;
  }
  const build =
    opts.db === "dragonfly"
      ? `splitbrain image build --db dragonfly --offline --binary <path to dragonfly>`
      : `splitbrain image build --db ${opts.db}${versionFlag} --offline`;
  throw new UsageError(
    `no node image for ${what} in the local Docker engine`,
    `build one with: ${build} (or without --offline where a registry is reachable), or pass --image <ref>`,
  );
}

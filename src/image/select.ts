import type { DbName } from "../core/cluster.js";
import { chooseSuite, SUITES, versionMatches } from "./definition.js";
import type { NodeImage } from "./nodeImage.js";

/**
 * Which local node image a run uses, and what to tell the user when none fits. Pure: the caller lists the images
 * (images.ts) and this module decides, so the choice and every refusal message are tested without Docker.
 */

/** The fields of a local node image the choice looks at. */
export interface ImageCandidate {
  ref: string;
  engine: DbName;
  version: string;
  route: string;
  suite?: string;
  /** Unix seconds. */
  created: number;
}

/**
 * The image for `db` (and `version`, a prefix by components: "8" and "8.0" match 8.0.2): the highest version of
 * those that match, and of equal versions the newest built. The highest version, not the latest build, so which
 * server a plain `run` gets does not depend on the order images happened to be built in.
 */
export function pickNodeImage<T extends ImageCandidate>(
  images: readonly T[],
  db: DbName,
  version?: string,
): T | undefined {
  const fitting = images.filter(
    (i) => i.engine === db && (version === undefined || versionMatches(version, i.version)),
  );
  return [...fitting].sort((a, b) => compareVersions(b.version, a.version) || b.created - a.created)[0];
}

/** e.g. "redis 7.0.15 (splitbrain-node:redis-7.0.15-bookworm), redis 8.0.2 (...)" */
export function describeLocalVersions(images: readonly ImageCandidate[], db: DbName): string {
  const mine = images.filter((i) => i.engine === db).sort((a, b) => compareVersions(a.version, b.version));
  return mine.length ? mine.map((i) => `${db} ${i.version} (${i.ref})`).join(", ") : `no ${db} node image`;
}

/** Numeric, component by component: 7.0.15 < 8.0.2 < 8.0.10. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return 0;
}

/** Versions the offline route can build, e.g. "7.0.15 (bookworm), 8.0.2 (trixie), 8.0.6 (sid)". */
export function offlineOffers(image: NodeImage): string {
  return SUITES.flatMap((s) => (image.debianCarries[s] ? [`${image.debianCarries[s]} (${s})`] : [])).join(", ");
}

/**
 * Why no local image fits, and how to get one: what is present locally, and the build command for the route that
 * can provide the version (offline when a Debian suite carries it, otherwise online from the official image).
 */
export function missingImageMessage(
  images: readonly ImageCandidate[],
  image: NodeImage,
  version?: string,
): { message: string; hint: string } {
  const db = image.engine;
  const what = `${db}${version ? ` ${version}` : ""}`;
  const message = `no node image for ${what} in the local Docker engine (present: ${describeLocalVersions(images, db)})`;
  if (image.offlineBinary) {
    const file = image.offlineBinary.file;
    return {
      message,
      hint:
        `build one with: splitbrain image build --db ${db} --offline --binary <path to ${file}${version ? ` ${version}` : ""}>` +
        `, or online: splitbrain image build --db ${db}${version ? ` --version ${version}` : ""}; or pass --image <ref>`,
    };
  }
  const suite = chooseSuite(image, version ? { version } : {});
  const versionFlag = version ? ` --version ${version}` : "";
  if (typeof suite === "string") {
    return {
      message,
      hint: `build one with: splitbrain image build --db ${db}${versionFlag} --offline (Debian ${suite}), or without --offline where a registry is reachable; or pass --image <ref>`,
    };
  }
  return {
    message,
    hint:
      `Debian offers ${db} ${offlineOffers(image) || "in no version"} offline; ${version} only online: ` +
      `splitbrain image build --db ${db}${versionFlag} (needs a registry), or pick a version listed above`,
  };
}

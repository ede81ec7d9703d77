import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../core/exit.js";
import { docker, requireDocker } from "../docker/engine.js";
import { IMAGE_LABELS } from "../docker/labels.js";
import { definitionHash, imageTag, type OnlineDefinition } from "./definition.js";
import { dockerDir, nodeFiles } from "./files.js";
import type { NodeImage } from "./nodeImage.js";
import type { BuiltImage } from "./offline.js";
import { probeNodeImage } from "./probe.js";
import { Progress } from "./progress.js";

/**
 * The online route: docker/Dockerfile.node on top of the engine's official image, built through the Docker API.
 * Machines without a registry take `--offline` instead. `--registry` (a mirror or private registry holding copies
 * under the official names) and `--base-image` (any image laid out like the official one) change only the FROM;
 * test/e2e/registry-route.test.ts runs this route end to end against a local registry.
 */

/**
 * Whether a reference's first component names a registry host, by Docker's own rule: it contains a "." or a ":",
 * or is "localhost". "redis:7" and "valkey/valkey:8" do not; "localhost:5000/x" does.
 */
function hasRegistryHost(ref: string): boolean {
  const slash = ref.indexOf("/");
  if (slash < 0) return false;
  const first = ref.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost";
}

/** The official image's name in another registry: its registry host (if any) replaced by `registry`. */
export function inRegistry(officialRef: string, registry: string): string {
  const path = hasRegistryHost(officialRef) ? officialRef.slice(officialRef.indexOf("/") + 1) : officialRef;
  return `${registry.replace(/\/+$/, "")}/${path}`;
}

/** Checks a `--registry` value: a host with an optional port and path prefix, no scheme. */
export function checkRegistry(registry: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(registry)) {
    throw new UsageError(
      `--registry takes a host[:port], not a URL: ${registry}`,
      `drop the scheme: --registry ${registry.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")}`,
    );
  }
  if (!/^[A-Za-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?\/?$/.test(registry)) {
    throw new UsageError(
      `--registry ${registry} is not a registry host[:port][/prefix]`,
      "e.g. --registry localhost:5000",
    );
  }
}

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

async function dockerBuild(
  tag: string,
  baseImage: string,
  labelValues: Record<string, string>,
  progress: Progress,
): Promise<void> {
  const src = ["Dockerfile.node", ...nodeFiles().map((f) => `node/${f.path}`)];
  const stream = await docker().buildImage(
    { context: dockerDir, src },
    {
      t: tag,
      dockerfile: "Dockerfile.node",
      buildargs: { BASE_IMAGE: baseImage },
      labels: labelValues,
      rm: true,
      forcerm: true,
    },
  );
  await new Promise<void>((resolve, reject) => {
    docker().modem.followProgress(
      stream,
      (err: Error | null, out: BuildEvent[]) => {
        const failed = out.find((o) => o.error);
        if (err) reject(err);
        else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error));
        else resolve();
      },
      (event: BuildEvent) => {
        const line = (event.stream ?? event.status ?? "").trim();
        if (!line) return;
        if (/^Step \d+\/\d+/.test(line)) progress.phase(line);
        else progress.detail(line);
      },
    );
  });
}

export async function buildOnlineImage(opts: {
  image: NodeImage;
  version?: string;
  /** A registry holding the official images under their names (instead of their own registries). */
  registry?: string;
  /** An image to build on instead of the official one. */
  baseImage?: string;
  quiet?: boolean;
}): Promise<BuiltImage> {
  const progress = new Progress(opts.quiet);
  const db = opts.image.engine;
  await requireDocker();
  const official = opts.image.officialImage(opts.version ?? "latest");
  const baseImage = opts.baseImage ?? (opts.registry ? inRegistry(official, opts.registry) : official);
  // An image that is not the official one gets its own tag, so it never replaces (or is taken for) a real one.
  const flavour = baseImage === official ? undefined : "custom";
  const def: OnlineDefinition = { route: "online", db, baseImage };
  const files = [
    { path: "Dockerfile.node", content: readFileSync(join(dockerDir, "Dockerfile.node")) },
    ...nodeFiles().map((f) => ({ path: `node/${f.path}`, content: f.content })),
  ];
  const hash = definitionHash(def, files);
  const labelValues: Record<string, string> = {
    [IMAGE_LABELS.engine]: db,
    [IMAGE_LABELS.route]: "online",
    [IMAGE_LABELS.definitionHash]: hash,
  };
  const provisional = imageTag(db, opts.version ?? "latest", def, flavour && `${flavour}-${hash}`);
  progress.phase(`building ${provisional} from ${baseImage} (definition ${hash})`);
  try {
    await dockerBuild(provisional, baseImage, labelValues, progress);
  } catch (err) {
    throw new UsageError(
      `building on ${baseImage} failed: ${(err as Error).message}`,
      baseImage === official
        ? `without a reachable registry, build from Debian instead: splitbrain image build --db ${db} --offline` +
            ` (or take the image from a registry you run: --registry <host:port>)`
        : `check that ${baseImage} exists and is pullable (docker pull ${baseImage}), or build offline: --offline`,
    );
  }
  const probe = await probeNodeImage(provisional, opts.image);
  if (!probe.version) throw new Error(`the built image does not report a ${db} version: ${probe.versionOutput}`);
  if (!probe.iptables.ok) throw new Error(`iptables does not work inside the built node: ${probe.iptables.error}`);
  // A second build, all layers cached, records the version the server itself reported as a label and in the tag.
  const ref = imageTag(db, probe.version, def, flavour && `${flavour}-${hash}`);
  await dockerBuild(ref, baseImage, { ...labelValues, [IMAGE_LABELS.version]: probe.version }, progress);
  progress.done(`built ${ref}`);
  return {
    ref,
    version: probe.version,
    reused: false,
    ...(probe.iptables.backend ? { iptablesBackend: probe.iptables.backend } : {}),
  };
}

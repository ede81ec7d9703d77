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
 * Not exercised on machines without a registry (the FROM pull fails there); `--offline` is the route for those.
 */

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
  quiet?: boolean;
}): Promise<BuiltImage> {
  const progress = new Progress(opts.quiet);
  const db = opts.image.engine;
  await requireDocker();
  const baseImage = opts.image.officialImage(opts.version ?? "latest");
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
  const provisional = imageTag(db, opts.version ?? "latest", def);
  progress.phase(`building ${provisional} from ${baseImage} (definition ${hash})`);
  try {
    await dockerBuild(provisional, baseImage, labelValues, progress);
  } catch (err) {
    throw new UsageError(
      `building on ${baseImage} failed: ${(err as Error).message}`,
      `without a reachable registry, build from Debian instead: splitbrain image build --db ${db} --offline`,
    );
  }
  const probe = await probeNodeImage(provisional, opts.image);
  if (!probe.version) throw new Error(`the built image does not report a ${db} version: ${probe.versionOutput}`);
  if (!probe.iptables.ok) throw new Error(`iptables does not work inside the built node: ${probe.iptables.error}`);
  // A second build, all layers cached, records the version the server itself reported as a label and in the tag.
  const ref = imageTag(db, probe.version, def);
  await dockerBuild(ref, baseImage, { ...labelValues, [IMAGE_LABELS.version]: probe.version }, progress);
  progress.done(`built ${ref}`);
  return {
    ref,
    version: probe.version,
    reused: false,
    ...(probe.iptables.backend ? { iptablesBackend: probe.iptables.backend } : {}),
  };
}

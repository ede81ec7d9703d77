import type { Node } from "../src/core/cluster.js";
import { availableBytesFromDf, BALLAST_NAME } from "../src/nemesis/disk.js";
import {
  faultLooks,
  type Nemesis,
  type NemesisContext,
  type NemesisPackage,
  type TargetSpec,
} from "../src/nemesis/nemesis.js";
import { onEach, shell, shq } from "../src/nemesis/node-io.js";
import { names, resolveTargets, targetUnavailable } from "../src/nemesis/targeting.js";
import { describeTarget, type TargetOptions, targetPlanCheck } from "../src/nemesis/targets.js";
import { isRedisSize, redisSizeBytes } from "../src/topology/sizes.js";

const LOOKS = faultLooks("disk-fill", "disk full", "#b090c0");

/**
 * Fills the node's data filesystem with a ballast file until only `--disk-free` bytes remain, so the database's next
 * AOF write or snapshot hits ENOSPC; the history then carries the MISCONF / write errors it answered. Heal deletes
 * the ballast. The ballast sits in the data directory because that is the filesystem that matters; its name starts
 * with a dot and is never one the database uses.
 */
export const DEFAULT_DISK_FREE_BYTES = 0;

export interface DiskFillOptions extends TargetOptions {
  /** Bytes disk-fill leaves free on the data filesystem (`--disk-free`). */
  diskFreeBytes?: number;
}

function ballastPath(node: Node): string {
  return `${node.dataDir.replace(/\/+$/, "")}/${BALLAST_NAME}`;
}

async function freeBytes(node: Node): Promise<number> {
  const df = await shell(node, `df -Pk ${shq(node.dataDir)}`, "measuring free space");
  return availableBytesFromDf(df.stdout);
}

const DEFAULT_TARGET: TargetSpec = "primary";

/**
 * Prints the ballast's size once written. fallocate is instant where supported (tmpfs, ext4). It fails when it is
 * not supported (the lazy FUSE filesystem) and also when the database wrote into the space measured a moment ago,
 * which a busy AOF does: then zeros are written until the disk is full, which is the point of the fault, and the
 * bytes that should stay free are given back.
 */
function fillScript(path: string, bytes: number, leave: number): string {
  const p = shq(path);
  return [
    `if ! fallocate -l ${bytes} ${p} 2>/dev/null; then`,
    `  rm -f ${p}`,
    `  if ! err=$(head -c ${bytes} /dev/zero 2>&1 >${p}); then`,
    `    case "$err" in *"No space"*) ;; *) echo "$err" >&2; exit 1 ;; esac`,
    `    if [ ${leave} -gt 0 ]; then truncate -s -${leave} ${p}; fi`,
    `  fi`,
    `fi`,
    `stat -c %s ${p}`,
  ].join("\n");
}

function removeBallast(node: Node): Promise<unknown> {
  return shell(node, `rm -f ${shq(ballastPath(node))}`, "removing the ballast");
}

export function diskFillNemesis(opts: DiskFillOptions = {}): Nemesis {
  const target: TargetSpec = opts.target ?? DEFAULT_TARGET;
  const leave = opts.diskFreeBytes ?? DEFAULT_DISK_FREE_BYTES;
  if (!Number.isInteger(leave) || leave < 0)
    throw new RangeError(`--disk-free must be a whole number of bytes, got ${leave}`);

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      return targetUnavailable(ctx, target);
    },

    async start(ctx: NemesisContext) {
      const victims = await resolveTargets(ctx, target);
      const filled = await onEach(victims, async (node) => {
        const ballast = (await freeBytes(node)) - leave;
        let ballastBytes = 0;
        if (ballast > 0) {
          const written = await shell(
            node,
            fillScript(ballastPath(node), ballast, leave),
            "writing the ballast file",
            120_000,
          );
          ballastBytes = Number(written.stdout.trim().split("\n").pop());
        }
        return { node: node.name, ballastBytes, freeBytes: await freeBytes(node) };
      });
      return { nodes: names(victims), filled };
    },

    async stop(ctx: NemesisContext) {
      // Every data node, not only this start's victims: a ballast left by an earlier start must not linger.
      await onEach(ctx.cluster.nodes, removeBallast);
      return { nodes: names(ctx.cluster.nodes) };
    },

    async healAll(ctx: NemesisContext) {
      await onEach(ctx.cluster.nodes, removeBallast);
    },

    mayRemain() {
      return `a ballast file ${BALLAST_NAME} filling the data directory of ${describeTarget(target)}`;
    },

    describe() {
      return `disk-fill (ballast in the data directory of ${describeTarget(target)}, leaving ${leave} bytes free)`;
    },
  };
}

export const diskFill: NemesisPackage<DiskFillOptions> = {
  ...LOOKS,
  planProblem: targetPlanCheck("disk-fill", DEFAULT_TARGET),
  summary: "fill the data filesystem with a ballast file, leaving --disk-free bytes; heal deletes it",
  options: [
    {
      flags: "--disk-free <bytes>",
      description: "bytes disk-fill leaves free on the data filesystem (default: 0)",
      parse: (text, problems) => {
        if (isRedisSize(text as string)) return { diskFreeBytes: redisSizeBytes(text as string) };
        problems.push(`--disk-free takes a size such as 0, 4096 or 1mb (got "${text}")`);
        return {};
      },
    },
  ],
  create: diskFillNemesis,
};

import { isLazyFsMounted, loseUnsynced, type PowerLossReport } from "../src/cluster/lazyfs.js";
import { pidPath } from "../src/cluster/node.js";
import type { Node } from "../src/core/cluster.js";
import {
  faultLooks,
  type Nemesis,
  type NemesisContext,
  type NemesisPackage,
  type TargetSpec,
} from "../src/nemesis/nemesis.js";
import { everyNode, onEach, shell } from "../src/nemesis/node-io.js";
import { names, resolveTargets, targetUnavailable } from "../src/nemesis/targeting.js";
import { describeTarget, type TargetOptions, targetPlanCheck } from "../src/nemesis/targets.js";

const LOOKS = faultLooks("power-loss", "power loss", "#b05050");

/** A SIGKILLed server is gone at once; this only covers a slow exec round trip. */
const EXIT_TIMEOUT_MS = 10_000;

const DEFAULT_TARGET: TargetSpec = "primary";

export interface PowerLossOptions extends TargetOptions {
  /** Keep a random prefix of each file's unsynced tail (a torn write) instead of dropping it all. */
  tornWrites?: boolean;
  /** Name changes are durable only after their directory is fsynced (strict POSIX), not at once. */
  strictMetadata?: boolean;
}

/**
 * A power cut stops every process at once, including a BGSAVE or AOF-rewrite child, which would otherwise survive
 * its parent's SIGKILL and keep writing (even rename a finished snapshot into place) after the cut. The server is
 * stopped first so it cannot fork a new child meanwhile; the script returns once none of them exists, so nothing
 * writes while the unsynced bytes are dropped. A zombie counts as gone: it holds no files.
 */
export function killTreeScript(pidFile: string): string {
  return [
    `p=$(cat ${pidFile} 2>/dev/null) || exit 0`,
    `kill -0 "$p" 2>/dev/null || exit 0`,
    `kill -STOP "$p" 2>/dev/null`,
    `all="$p $(pgrep -P "$p" | tr '\\n' ' ')"`,
    `for q in $all; do kill -KILL "$q" 2>/dev/null; done`,
    `i=0; while [ $i -lt ${EXIT_TIMEOUT_MS / 50} ]; do alive=0; for q in $all; do case "$(ps -o stat= -p "$q" 2>/dev/null)" in ""|Z*) ;; *) alive=1 ;; esac; done; [ $alive = 0 ] && exit 0; i=$((i+1)); sleep 0.05; done`,
    `echo "still running ${EXIT_TIMEOUT_MS / 1000}s after SIGKILL: $all" >&2; exit 1`,
  ].join("\n");
}

/** What the history records per node: how many bytes the power cut discarded, and on which files. */
export interface PowerLossValue {
  nodes: string[];
  torn: boolean;
  lost: Record<string, Pick<PowerLossReport, "discardedBytes" | "keptBytes" | "files" | "namesUndone">>;
}

/**
 * power-loss: the machine loses power. The database is SIGKILLed, then the lazy filesystem under its data directory
 * drops every byte that was written but never fsynced (with torn writes, each file keeps a random prefix of its
 * unsynced tail), and at stop the database starts again on what survived. Unlike kill, the page cache does not
 * survive, so this is the fault that tells appendfsync always from everysec from no.
 */
export function powerLossNemesis(opts: PowerLossOptions = {}): Nemesis {
  const target: TargetSpec = opts.target ?? DEFAULT_TARGET;
  const torn = opts.tornWrites ?? false;
  let down: Node[] = [];

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      const why = targetUnavailable(ctx, target);
      if (why) return why;
      for (const n of ctx.cluster.nodes) {
        if (!(await isLazyFsMounted((cmd, o) => n.exec(cmd, o), n.dataDir))) {
          return `${n.name}'s data directory is not on the lazy filesystem (start the cluster with lazyFs; splitbrain run does when --nemesis names power-loss)`;
        }
      }
      return undefined;
    },

    async start(ctx: NemesisContext) {
      const victims = await resolveTargets(ctx, target);
      if (victims.length === 0) return { nodes: [], note: `no node matched target ${JSON.stringify(target)}` };
      down = [...down, ...victims.filter((v) => !down.includes(v))];
      const seeds = victims.map(() => ctx.rng.int(2 ** 31));
      const reports = await onEach(victims, async (n) => {
        await shell(
          n,
          killTreeScript(pidPath("db")),
          "SIGKILL of the database and its children",
          EXIT_TIMEOUT_MS + 5000,
        );
        const seed = seeds[victims.indexOf(n)]!;
        const r = await loseUnsynced(n.name, (cmd, o) => n.exec(cmd, o), torn ? { torn, seed } : {});
        ctx.log(
          `${n.name}: power loss discarded ${r.discardedBytes} unsynced byte(s)${torn ? `, kept a torn ${r.keptBytes}` : ""}`,
        );
        return r;
      });
      const value: PowerLossValue = { nodes: names(victims), torn, lost: {} };
      victims.forEach((n, i) => {
        const r = reports[i]!;
        value.lost[n.name] = {
          discardedBytes: r.discardedBytes,
          keptBytes: r.keptBytes,
          files: r.files,
          namesUndone: r.namesUndone,
        };
      });
      return value;
    },

    async stop() {
      const toStart = down;
      await onEach(toStart, async (n) => {
        if (!(await n.dbRunning())) await n.startDb();
      });
      down = [];
      return { nodes: names(toStart) };
    },

    async healAll(ctx: NemesisContext) {
      await onEach(everyNode(ctx.cluster), async (n) => {
        if (!(await n.dbRunning())) await n.startDb();
      });
      down = [];
    },

    mayRemain() {
      return `a database process not running on ${describeTarget(target)} (lost power, not restarted)`;
    },

    describe() {
      return `power-loss (SIGKILL the database on ${describeTarget(target)}, drop every unsynced byte${torn ? " but a torn prefix" : ""}, restart after the interval)`;
    },
  };
}

export const powerLoss: NemesisPackage<PowerLossOptions> = {
  ...LOOKS,
  planProblem: targetPlanCheck("power-loss", DEFAULT_TARGET),
  summary:
    "cut the power: SIGKILL the database, drop every byte not yet fsynced (lazy filesystem), restart on what survived",
  group: "process",
  options: [
    {
      flags: "--torn-writes",
      description: "power-loss keeps a random prefix of each file's unsynced tail (a torn write)",
      parse: () => ({ tornWrites: true }),
    },
    {
      flags: "--strict-metadata",
      description: "power-loss: creates, renames and unlinks are durable only after a directory fsync",
      parse: () => ({ strictMetadata: true }),
    },
  ],
  // Only runs with this fault pay for the lazy filesystem, which is what can drop unsynced bytes.
  clusterNeeds: (opts) => ({ lazyFs: { strictMetadata: opts.strictMetadata ?? false } }),
  create: powerLossNemesis,
};

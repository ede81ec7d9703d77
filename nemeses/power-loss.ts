import type { Node } from "../src/cluster/types.js";
import { isLazyFsMounted, loseUnsynced, type PowerLossReport } from "../src/cluster/lazyfs.js";
import { everyNode, onEach, waitFor } from "../src/nemesis/node-io.js";
import { names, resolveTargets, targetUnavailable } from "../src/nemesis/targeting.js";
import { describeTarget } from "./targets.js";
import type { Nemesis, NemesisContext, NemesisOptions, NemesisPackage, TargetSpec } from "./nemesis.js";

/** A SIGKILLed server is gone at once; this only covers a slow exec round trip. */
const EXIT_TIMEOUT_MS = 10_000;

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
export function powerLossNemesis(opts: NemesisOptions = {}): Nemesis {
  const target: TargetSpec = opts.target ?? "primary";
  const torn = opts.tornWrites ?? false;
  let down: Node[] = [];

  return {
    name: "power-loss",
    fs: { start: "start-power-loss", stop: "stop-power-loss" },
    perf: { label: "power loss", colour: "#b05050" },

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
        await n.signalDb("SIGKILL");
        // Dropping data under a live writer would be a different fault: wait until nothing can write any more.
        if (!(await waitFor(async () => !(await n.dbRunning()), EXIT_TIMEOUT_MS, 50))) {
          throw new Error(`${n.name}: the database still runs ${EXIT_TIMEOUT_MS / 1000}s after SIGKILL`);
        }
        const seed = seeds[victims.indexOf(n)]!;
        const r = await loseUnsynced(n.name, (cmd, o) => n.exec(cmd, o), torn ? { torn, seed } : {});
        ctx.log(`${n.name}: power loss discarded ${r.discardedBytes} unsynced byte(s)${torn ? `, kept a torn ${r.keptBytes}` : ""}`);
        return r;
      });
      const value: PowerLossValue = { nodes: names(victims), torn, lost: {} };
      victims.forEach((n, i) => {
        const r = reports[i]!;
        value.lost[n.name] = { discardedBytes: r.discardedBytes, keptBytes: r.keptBytes, files: r.files, namesUndone: r.namesUndone };
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

    describe() {
      return `power-loss (SIGKILL the database on ${describeTarget(target)}, drop every unsynced byte${torn ? " but a torn prefix" : ""}, restart after the interval)`;
    },
  };
}

export const powerLoss: NemesisPackage = {
  name: "power-loss",
  summary: "cut the power: SIGKILL the database, drop every byte not yet fsynced (lazy filesystem), restart on what survived",
  group: "process",
  needsLazyFs: true,
  create: powerLossNemesis,
};

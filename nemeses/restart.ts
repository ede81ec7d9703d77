import type { Node } from "../src/core/cluster.js";
import {
  faultLooks,
  type Nemesis,
  type NemesisContext,
  type NemesisPackage,
  type TargetSpec,
} from "../src/nemesis/nemesis.js";
import { everyNode, onEach, waitFor } from "../src/nemesis/node-io.js";
import { names, resolveTargets, targetUnavailable } from "../src/nemesis/targeting.js";
import { describeTarget, type TargetOptions, targetPlanCheck } from "../src/nemesis/targets.js";

const LOOKS = faultLooks("restart", "restart", "#d8c070");

/** How long a graceful shutdown may take (saving a large dataset) before the fault gives up on it. */
const SHUTDOWN_TIMEOUT_MS = 60_000;

const DEFAULT_TARGET: TargetSpec = "primary";

/**
 * The graceful counterpart of kill: SIGTERM, which Redis, Valkey and Dragonfly treat like SHUTDOWN (save if
 * persistence is configured, then exit), and start again at stop. Comparing a run of this with a run of kill shows
 * what a clean shutdown saves that a crash loses.
 */
export function restartNemesis(opts: TargetOptions = {}): Nemesis {
  const target: TargetSpec = opts.target ?? DEFAULT_TARGET;
  let stopped: Node[] = [];

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      return targetUnavailable(ctx, target);
    },

    async start(ctx: NemesisContext) {
      const victims = await resolveTargets(ctx, target);
      if (victims.length === 0) return { nodes: [], note: `no node matched target ${JSON.stringify(target)}` };
      stopped = [...stopped, ...victims.filter((v) => !stopped.includes(v))];
      await onEach(victims, async (n) => {
        await n.signalDb("SIGTERM");
        const exited = await waitFor(async () => !(await n.dbRunning()), SHUTDOWN_TIMEOUT_MS);
        if (!exited)
          throw new Error(`${n.name}: the database did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000}s of SIGTERM`);
      });
      return { nodes: names(victims), signal: "SIGTERM" };
    },

    async stop() {
      const toStart = stopped;
      await onEach(toStart, async (n) => {
        if (!(await n.dbRunning())) await n.startDb();
      });
      stopped = [];
      return { nodes: names(toStart) };
    },

    async healAll(ctx: NemesisContext) {
      await onEach(everyNode(ctx.cluster), async (n) => {
        if (!(await n.dbRunning())) await n.startDb();
      });
      stopped = [];
    },

    mayRemain() {
      return `a database process not running on ${describeTarget(target)} (stopped, not started again)`;
    },

    describe() {
      return `restart (graceful SIGTERM of the database on ${describeTarget(target)}, start after the interval)`;
    },
  };
}

export const restart: NemesisPackage<TargetOptions> = {
  ...LOOKS,
  planProblem: targetPlanCheck("restart", DEFAULT_TARGET),
  summary: "shut the database down gracefully (SIGTERM, like SHUTDOWN) and start it again after the interval",
  group: "process",
  create: restartNemesis,
};

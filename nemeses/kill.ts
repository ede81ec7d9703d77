import type { Node } from "../src/core/cluster.js";
import {
  faultLooks,
  type Nemesis,
  type NemesisContext,
  type NemesisPackage,
  type TargetSpec,
} from "../src/nemesis/nemesis.js";
import { everyNode, onEach } from "../src/nemesis/node-io.js";
import { names, resolveTargets, targetUnavailable } from "../src/nemesis/targeting.js";
import { describeTarget, type TargetOptions, targetPlanCheck } from "../src/nemesis/targets.js";

const LOOKS = faultLooks("kill", "kill", "#e0a060");

const DEFAULT_TARGET: TargetSpec = "primary";

/**
 * kill-restart: SIGKILL the database process (the container, its network rules and its data stay), and start it
 * again at stop. What survives is whatever reached the data directory; the page cache survives too, so this fault
 * cannot show fsync losses (that is power-loss's job).
 */
export function killNemesis(opts: TargetOptions = {}): Nemesis {
  const target: TargetSpec = opts.target ?? DEFAULT_TARGET;
  let killed: Node[] = [];

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      return targetUnavailable(ctx, target);
    },

    async start(ctx: NemesisContext) {
      const victims = await resolveTargets(ctx, target);
      if (victims.length === 0) return { nodes: [], note: `no node matched target ${JSON.stringify(target)}` };
      // Remembered before signalling: if one signal fails, stop still restarts the others.
      killed = [...killed, ...victims.filter((v) => !killed.includes(v))];
      await onEach(victims, (n) => n.signalDb("SIGKILL"));
      return { nodes: names(victims), signal: "SIGKILL" };
    },

    async stop() {
      const toStart = killed;
      await onEach(toStart, async (n) => {
        if (!(await n.dbRunning())) await n.startDb();
      });
      killed = [];
      return { nodes: names(toStart) };
    },

    /** Restarts every database that is not running, remembered or not: after a crash of the runner, nothing is. */
    async healAll(ctx: NemesisContext) {
      await onEach(everyNode(ctx.cluster), async (n) => {
        if (!(await n.dbRunning())) await n.startDb();
      });
      killed = [];
    },

    mayRemain() {
      return `a database process not running on ${describeTarget(target)} (killed, not restarted)`;
    },

    describe() {
      return `kill-restart (SIGKILL the database on ${describeTarget(target)}, restart after the interval)`;
    },
  };
}

export const kill: NemesisPackage<TargetOptions> = {
  ...LOOKS,
  planProblem: targetPlanCheck("kill", DEFAULT_TARGET),
  summary: "SIGKILL the database process and restart it at the end of the interval (kill-restart)",
  group: "process",
  create: killNemesis,
};

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

const LOOKS = faultLooks("pause", "pause", "#a0b8e0");

const DEFAULT_TARGET: TargetSpec = "primary";

/**
 * SIGSTOP / SIGCONT of the database process (never the container's PID 1): the node keeps its connections open and
 * answers nothing, like a long GC pause or a stalled VM, which is when a "dead" primary comes back and acts on
 * stale beliefs.
 */
export function pauseNemesis(opts: TargetOptions = {}): Nemesis {
  const target: TargetSpec = opts.target ?? DEFAULT_TARGET;
  let paused: Node[] = [];

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      return targetUnavailable(ctx, target);
    },

    async start(ctx: NemesisContext) {
      const victims = await resolveTargets(ctx, target);
      if (victims.length === 0) return { nodes: [], note: `no node matched target ${JSON.stringify(target)}` };
      paused = [...paused, ...victims.filter((v) => !paused.includes(v))];
      await onEach(victims, (n) => n.signalDb("SIGSTOP"));
      return { nodes: names(victims), signal: "SIGSTOP" };
    },

    async stop() {
      const toResume = paused;
      await onEach(toResume, (n) => resume(n));
      paused = [];
      return { nodes: names(toResume) };
    },

    /** SIGCONT to every running database: harmless to one that is not stopped, and it covers a forgotten pause. */
    async healAll(ctx: NemesisContext) {
      await onEach(everyNode(ctx.cluster), (n) => resume(n));
      paused = [];
    },

    mayRemain() {
      return `a database process stopped by SIGSTOP on ${describeTarget(target)}`;
    },

    describe() {
      return `pause (SIGSTOP the database on ${describeTarget(target)}, SIGCONT after the interval)`;
    },
  };
}

/** A process that is gone needs no resuming (kill's heal restarts it), so only running ones get SIGCONT. */
async function resume(node: Node): Promise<void> {
  if (await node.dbRunning()) await node.signalDb("SIGCONT");
}

export const pause: NemesisPackage<TargetOptions> = {
  ...LOOKS,
  planProblem: targetPlanCheck("pause", DEFAULT_TARGET),
  summary: "freeze the database process with SIGSTOP and resume it with SIGCONT after the interval",
  group: "process",
  create: pauseNemesis,
};

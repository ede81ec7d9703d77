import type { Node } from "../src/core/cluster.js";
import {
  faultLooks,
  type Nemesis,
  type NemesisContext,
  type NemesisPackage,
  type TargetSpec,
} from "../src/nemesis/nemesis.js";
import { dbCommand } from "../src/nemesis/node-io.js";
import { names, resolveTargets, targetUnavailable } from "../src/nemesis/targeting.js";
import { describeTarget, type TargetOptions, targetPlanCheck } from "../src/nemesis/targets.js";

const LOOKS = faultLooks("snapshot-storm", "snapshot storm", "#c0a080");

export const DEFAULT_SNAPSHOT_PERIOD_MS = 1_000;
export const DEFAULT_SNAPSHOT_MAX_ROUNDS = 120;

/** Replies that only mean "one is already running"; the storm keeps going. */
const BUSY = /already in progress|in progress|scheduled/i;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const DEFAULT_TARGET: TargetSpec = "all";

export interface SnapshotStormOptions extends TargetOptions {
  /** Pause between a snapshot-storm's BGSAVE / BGREWRITEAOF commands, and the most rounds it runs. */
  snapshotPeriodMs?: number;
  snapshotMaxRounds?: number;
}

/**
 * Keeps the targets forking: BGSAVE, then BGREWRITEAOF, every period, until stop or a bounded number of rounds.
 * Forks under write load are when copy-on-write memory, latency spikes and persistence races show. The loop runs in
 * this process (never left behind in a node), so stopping the fault or the run ends it.
 */
export function snapshotStormNemesis(
  opts: SnapshotStormOptions = {},
  wait: (ms: number) => Promise<void> = sleep,
): Nemesis {
  const target: TargetSpec = opts.target ?? DEFAULT_TARGET;
  const period = opts.snapshotPeriodMs ?? DEFAULT_SNAPSHOT_PERIOD_MS;
  const maxRounds = opts.snapshotMaxRounds ?? DEFAULT_SNAPSHOT_MAX_ROUNDS;
  if (!(period >= 0) || !(maxRounds >= 1))
    throw new RangeError("snapshot-storm needs a period >= 0 and at least one round");
  let storm: { stop: boolean; done: Promise<{ rounds: number; commands: number; errors: string[] }> } | undefined;

  async function loop(nodes: Node[], control: { stop: boolean }) {
    let rounds = 0;
    let commands = 0;
    const errors: string[] = [];
    const issue = async (node: Node, command: string) => {
      try {
        await dbCommand(node, [command]);
        commands++;
      } catch (err) {
        const message = (err as Error).message;
        if (BUSY.test(message)) commands++;
        // Kept short: a paused or killed node fails every round, and one line per node says enough.
        else if (errors.length < 20) errors.push(message);
      }
    };
    while (!control.stop && rounds < maxRounds) {
      await Promise.all(nodes.map((n) => issue(n, "BGSAVE")));
      await wait(period / 2);
      if (control.stop) break;
      await Promise.all(nodes.map((n) => issue(n, "BGREWRITEAOF")));
      rounds++;
      await wait(period / 2);
    }
    return { rounds, commands, errors };
  }

  async function end() {
    if (storm === undefined) return undefined;
    const current = storm;
    current.stop = true;
    storm = undefined;
    return current.done;
  }

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      return targetUnavailable(ctx, target);
    },

    async start(ctx: NemesisContext) {
      await end();
      const nodes = await resolveTargets(ctx, target);
      const control = { stop: false };
      storm = Object.assign(control, { done: loop(nodes, control) });
      return { nodes: names(nodes), periodMs: period, maxRounds };
    },

    async stop() {
      return (await end()) ?? { note: "no storm was running" };
    },

    async healAll() {
      await end();
    },

    mayRemain() {
      return `BGSAVE / BGREWRITEAOF rounds sent by this process (they end with it) and a snapshot still being written on ${describeTarget(target)}`;
    },

    describe() {
      return `snapshot-storm (BGSAVE + BGREWRITEAOF every ${period} ms on ${describeTarget(target)}, at most ${maxRounds} rounds)`;
    },
  };
}

export const snapshotStorm: NemesisPackage<SnapshotStormOptions> = {
  ...LOOKS,
  planProblem: targetPlanCheck("snapshot-storm", DEFAULT_TARGET),
  summary: "repeated BGSAVE / BGREWRITEAOF under load, bounded, until the interval ends",
  create: (opts) => snapshotStormNemesis(opts),
};

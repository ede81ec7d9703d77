import { faultLooks, type Nemesis, type NemesisContext, type NemesisPackage } from "../src/nemesis/nemesis.js";
import { aclRefusal, nodeCommand } from "../src/nemesis/node-io.js";

const LOOKS = faultLooks("debug-sleep", "server stalled", "#b0a0e0");

export const DEFAULT_DEBUG_SLEEP_MS = 5000;
/** A stall longer than this is an outage, not a stall: kill or hook say that better, and it bounds a run's damage. */
export const MAX_DEBUG_SLEEP_MS = 60_000;

export interface DebugSleepOptions {
  /** `--debug-sleep <s>`: how long one DEBUG SLEEP holds the server. */
  debugSleepMs?: number;
}

/**
 * DEBUG SLEEP on a primary: the server's one thread sleeps, so every client (and replication) waits, as in a long
 * fork, a slow disk or a stop-the-world pause. The server ends the stall itself; there is nothing to undo, so a
 * run that dies mid-fault leaves nothing behind. The start op completes when the server answers again, so its
 * invocation-to-completion span is the stall as the server lived it.
 */
export function debugSleepNemesis(opts: DebugSleepOptions = {}): Nemesis {
  const ms = opts.debugSleepMs ?? DEFAULT_DEBUG_SLEEP_MS;
  const seconds = (ms / 1000).toString();
  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      const primary = await ctx.cluster.primary();
      if (!primary) return "no primary answered";
      // Harmless, and refused exactly as DEBUG SLEEP would be: by enable-debug-command (Redis 7+), ACLs, a service.
      let help: string;
      try {
        help = await nodeCommand(ctx, primary, ["DEBUG", "HELP"]);
      } catch (err) {
        return `the server refuses DEBUG: ${(err as Error).message.split("\n")[0]}`;
      }
      // Some engines have DEBUG without SLEEP; their help says so before a fault fails on every start.
      if (!/^\s*SLEEP\b/im.test(help)) return "the server's DEBUG has no SLEEP (DEBUG HELP does not list it)";
      return aclRefusal(ctx, primary, ["DEBUG", "SLEEP", "0"]);
    },

    async start(ctx: NemesisContext) {
      const primaries = await ctx.cluster.primaries();
      if (!primaries.length) throw new Error("no primary answered");
      const node = ctx.rng.pick(primaries);
      const t0 = Date.now();
      await nodeCommand(ctx, node, ["DEBUG", "SLEEP", seconds], undefined, ms + 15_000);
      return { node: node.name, nodes: [node.name], sleptMs: ms, answeredAfterMs: Date.now() - t0 };
    },

    async stop() {
      return { note: "the server woke by itself" };
    },

    async healAll() {
      // Nothing to undo: DEBUG SLEEP ends on its own.
    },

    mayRemain() {
      return `nothing: DEBUG SLEEP ends by itself within ${ms / 1000} s`;
    },

    describe() {
      return `debug-sleep (DEBUG SLEEP ${seconds} on a primary)`;
    },
  };
}

export const debugSleep: NemesisPackage<DebugSleepOptions> = {
  ...LOOKS,
  withoutNodeControl: true,
  summary: "stall a primary by command: DEBUG SLEEP <s> (needs DEBUG allowed: enable-debug-command, ACL)",
  dryRun: (o, intervalMs) =>
    `fault debug-sleep every ${intervalMs / 1000}s: DEBUG SLEEP ${(o.debugSleepMs ?? DEFAULT_DEBUG_SLEEP_MS) / 1000} on a primary`,
  options: [
    {
      flags: "--debug-sleep <s>",
      description: `debug-sleep fault: seconds one DEBUG SLEEP stalls the server (default: ${DEFAULT_DEBUG_SLEEP_MS / 1000}, at most ${MAX_DEBUG_SLEEP_MS / 1000})`,
      parse: (text, problems) => {
        const s = Number(text);
        if (Number.isFinite(s) && s > 0 && s * 1000 <= MAX_DEBUG_SLEEP_MS)
          return { debugSleepMs: Math.round(s * 1000) };
        problems.push(`--debug-sleep takes seconds above 0 and at most ${MAX_DEBUG_SLEEP_MS / 1000} (got "${text}")`);
        return {};
      },
    },
  ],
  create: debugSleepNemesis,
};

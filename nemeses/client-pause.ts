import { faultLooks, type Nemesis, type NemesisContext, type NemesisPackage } from "../src/nemesis/nemesis.js";
import { aclRefusal, nodeCommand, onEach } from "../src/nemesis/node-io.js";

const LOOKS = faultLooks("client-pause", "writes paused", "#a0a0d0");

/**
 * A pause bounded by the server itself: if the stop (CLIENT UNPAUSE) never arrives, the primary resumes on its own
 * after this long, so a run that dies mid-fault does not leave a deployment it does not own refusing writes.
 */
const PAUSE_BOUND_MS = 120_000;

/**
 * CLIENT PAUSE <ms> WRITE on every primary: the server holds write commands (and reads are still answered), as an
 * overloaded or stalled primary would; CLIENT UNPAUSE ends it. By command only, so it runs on an existing deployment
 * as well as on a cluster splitbrain started. Writes held past --op-timeout are indeterminate, never lost.
 */
export function clientPauseNemesis(_opts: object = {}): Nemesis {
  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      const primary = await ctx.cluster.primary();
      if (!primary) return "no primary answered";
      return aclRefusal(ctx, primary, ["CLIENT", "PAUSE", "1000", "WRITE"]);
    },

    async start(ctx: NemesisContext) {
      const primaries = await ctx.cluster.primaries();
      if (!primaries.length) throw new Error("no primary answered");
      await onEach(primaries, (n) => nodeCommand(ctx, n, ["CLIENT", "PAUSE", String(PAUSE_BOUND_MS), "WRITE"]));
      return { nodes: primaries.map((n) => n.name), boundMs: PAUSE_BOUND_MS };
    },

    async stop(ctx: NemesisContext) {
      await onEach(ctx.cluster.nodes, (n) => nodeCommand(ctx, n, ["CLIENT", "UNPAUSE"]));
      return { nodes: ctx.cluster.nodes.map((n) => n.name) };
    },

    async healAll(ctx: NemesisContext) {
      await onEach(ctx.cluster.nodes, (n) => nodeCommand(ctx, n, ["CLIENT", "UNPAUSE"]));
    },

    mayRemain() {
      return `a CLIENT PAUSE WRITE on a primary, which the server itself ends within ${PAUSE_BOUND_MS / 1000} s`;
    },

    describe() {
      return "client-pause (CLIENT PAUSE WRITE on every primary, CLIENT UNPAUSE to end it)";
    },
  };
}

export const clientPause: NemesisPackage<object> = {
  ...LOOKS,
  withoutNodeControl: true,
  summary: "hold writes on every primary by command: CLIENT PAUSE WRITE, then CLIENT UNPAUSE",
  create: clientPauseNemesis,
};

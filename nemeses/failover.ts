import type { Node } from "../src/core/cluster.js";
import { parseClusterNodes, replicasOf } from "../src/nemesis/cluster-nodes.js";
import { faultLooks, type Nemesis, type NemesisContext, type NemesisPackage } from "../src/nemesis/nemesis.js";
import { aclRefusal, nodeCommand as ask, everyNode, waitFor } from "../src/nemesis/node-io.js";

const LOOKS = faultLooks("failover", "failover", "#80a0c0");

/** How long to wait for the cluster to name the new primary before recording the failover as indeterminate. */
const PROMOTION_TIMEOUT_MS = 30_000;

/**
 * A failover by command, the way an operator would do it: SENTINEL FAILOVER (sentinel), CLUSTER FAILOVER on a
 * replica of a random primary (cluster), or REPLICAOF NO ONE on a random replica and REPLICAOF to it everywhere else
 * (replicated). There is nothing to undo: stop only records that the interval is over, and the next failover moves
 * the primary again.
 */
export function failoverNemesis(_opts: object = {}): Nemesis {
  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      if (ctx.cluster.topology === "single") return "failover needs a replicated, sentinel or cluster topology";
      if (ctx.cluster.nodes.length < 2) return "failover needs at least two data nodes";
      if (ctx.allows?.nodeControl === false) return refusedHere(ctx);
      return undefined;
    },

    async start(ctx: NemesisContext) {
      switch (ctx.cluster.topology) {
        case "sentinel":
          return sentinelFailover(ctx);
        case "cluster":
          return clusterFailover(ctx);
        case "replicated":
          return replicaofFailover(ctx);
        case "single":
          throw new Error("failover needs a replicated, sentinel or cluster topology");
      }
    },

    async stop() {
      return { note: "a failover is not undone" };
    },

    async healAll() {
      // Nothing to heal: every node keeps running and replicating; the run's recovery waits for a primary.
    },

    mayRemain() {
      return "nothing: a failover leaves every node running and replicating";
    },

    describe() {
      return "failover (SENTINEL FAILOVER / CLUSTER FAILOVER / REPLICAOF, by topology)";
    },
  };
}

/**
 * On an existing deployment, asks before the run whether the failover command would be allowed: the ACL user's
 * permission (ACL DRYRUN, where the server has it and lets the user ask) and, for Cluster, a replica to promote.
 * The server's own words are the reason given.
 */
async function refusedHere(ctx: NemesisContext): Promise<string | undefined> {
  const topology = ctx.cluster.topology;
  const probe = (node: Node, command: string[]) => aclRefusal(ctx, node, command);
  try {
    if (topology === "sentinel") {
      const endpoints = ctx.cluster.endpoints;
      if (endpoints.kind !== "sentinel") return "no Sentinel endpoints";
      const s = ctx.cluster.sentinels[0];
      if (!s) return "no Sentinel to ask";
      await ask(ctx, s, ["SENTINEL", "MASTER", endpoints.masterName]);
      return undefined;
    }
    if (topology === "cluster") {
      const primaries = await ctx.cluster.primaries();
      if (!primaries.length) return "no primary answered CLUSTER NODES";
      const entries = parseClusterNodes(await ask(ctx, primaries[0]!, ["CLUSTER", "NODES"]));
      const withReplica = primaries.filter((p) => replicasOf(entries, p.ip, p.port).length > 0);
      if (!withReplica.length) return "no primary of this Cluster has a replica to fail over to";
      const replica = replicasOf(entries, withReplica[0]!.ip, withReplica[0]!.port)[0]!;
      const node = ctx.cluster.nodeByAddress(replica.host, replica.port);
      return node ? await probe(node, ["CLUSTER", "FAILOVER"]) : undefined;
    }
    const primary = await ctx.cluster.primary();
    return primary ? await probe(primary, ["REPLICAOF", "NO", "ONE"]) : "no primary answered";
  } catch (err) {
    return `the server refused: ${(err as Error).message}`;
  }
}

async function awaitNewPrimary(ctx: NemesisContext, old: string | undefined): Promise<string | undefined> {
  let now: string | undefined;
  await waitFor(
    async () => {
      now = (await ctx.cluster.primary())?.name;
      return now !== undefined && now !== old;
    },
    PROMOTION_TIMEOUT_MS,
    250,
  );
  return now !== old ? now : undefined;
}

async function sentinelFailover(ctx: NemesisContext) {
  const endpoints = ctx.cluster.endpoints;
  if (endpoints.kind !== "sentinel") throw new Error("the sentinel topology exposes no Sentinel endpoints");
  const nodes = everyNode(ctx.cluster);
  const sentinel = ctx.rng.pick(endpoints.sentinels);
  const host = nodes.find((n) => n.ip === sentinel.host);
  if (host === undefined) throw new Error(`no node has the Sentinel address ${sentinel.host}`);
  const from = (await ctx.cluster.primary())?.name;
  await ask(ctx, host, ["SENTINEL", "FAILOVER", endpoints.masterName], sentinel.port);
  const to = await awaitNewPrimary(ctx, from);
  if (to === undefined)
    throw new Error(
      `Sentinel accepted the failover but no new primary appeared within ${PROMOTION_TIMEOUT_MS / 1000}s`,
    );
  return { via: `SENTINEL FAILOVER on ${host.name}`, from, to };
}

async function clusterFailover(ctx: NemesisContext) {
  const primaries = await ctx.cluster.primaries();
  if (primaries.length === 0) throw new Error("no primary answered CLUSTER NODES");
  const primary = ctx.rng.pick(primaries);
  const entries = parseClusterNodes(await ask(ctx, primary, ["CLUSTER", "NODES"]));
  const replicas = replicasOf(entries, primary.ip, primary.port)
    .map((e) => ctx.cluster.nodeByAddress(e.host, e.port))
    .filter((n): n is Node => n !== undefined);
  if (replicas.length === 0) throw new Error(`${primary.name} has no healthy replica to fail over to`);
  const replica = ctx.rng.pick(replicas);
  await ask(ctx, replica, ["CLUSTER", "FAILOVER"]);
  const promoted = await waitFor(
    async () => {
      const role = await ask(ctx, replica, ["ROLE"]).catch(() => "");
      return role.split("\n")[0]?.trim() === "master";
    },
    PROMOTION_TIMEOUT_MS,
    250,
  );
  if (!promoted)
    throw new Error(
      `${replica.name} accepted CLUSTER FAILOVER but was not promoted within ${PROMOTION_TIMEOUT_MS / 1000}s`,
    );
  return { via: `CLUSTER FAILOVER on ${replica.name}`, from: primary.name, to: replica.name };
}

async function replicaofFailover(ctx: NemesisContext) {
  const from = (await ctx.cluster.primary())?.name;
  const candidates = ctx.cluster.nodes.filter((n) => n.name !== from);
  const chosen = ctx.rng.pick(candidates);
  await ask(ctx, chosen, ["REPLICAOF", "NO", "ONE"]);
  // The old primary is repointed too: left alone it would stay a second primary (that is partition's fault to cause).
  const others = ctx.cluster.nodes.filter((n) => n !== chosen);
  const repointed: string[] = [];
  for (const n of others) {
    await ask(ctx, n, ["REPLICAOF", chosen.ip, String(chosen.port)]);
    repointed.push(n.name);
  }
  return { via: "REPLICAOF", from, to: chosen.name, repointed };
}

export const failover: NemesisPackage<object> = {
  ...LOOKS,
  withoutNodeControl: true,
  planProblem: (plan) =>
    plan.topology === "single" || plan.dataNodes.length < 2
      ? `--nemesis failover needs a replica to promote, and --topology ${plan.topology} has ${plan.dataNodes.length} data node(s); use --topology replicated, sentinel or cluster, or drop failover from --nemesis`
      : undefined,
  summary: "move the primary by command: SENTINEL FAILOVER, CLUSTER FAILOVER or REPLICAOF",
  create: failoverNemesis,
};

import type { Node } from "../src/core/cluster.js";
import { parseRole } from "../src/db/info.js";
import { parseClusterNodes, replicasOf } from "../src/nemesis/cluster-nodes.js";
import { faultLooks, type Nemesis, type NemesisContext, type NemesisPackage } from "../src/nemesis/nemesis.js";
import { aclRefusal, nodeCommand as ask, everyNode, waitFor } from "../src/nemesis/node-io.js";

const LOOKS = faultLooks("failover", "failover", "#80a0c0");

/** How long to wait for the cluster to name the new primary before recording the failover as indeterminate. */
const PROMOTION_TIMEOUT_MS = 30_000;

/**
 * A failover by command, the way an operator would do it: SENTINEL FAILOVER (sentinel), CLUSTER FAILOVER on a
 * replica of a random primary (cluster), REPLICAOF NO ONE on a random replica and REPLICAOF to it everywhere else
 * (replicated), or FAILOVER on an existing standalone primary given by --endpoint. Where something names the
 * primary (Sentinel, Cluster) there is nothing to undo: stop only records that the interval is over, and the next
 * failover moves the primary again. A bare --endpoint is the one address the run writes to, so there stop (and the
 * heal) fail back to it with FAILOVER TO; until then its writes are refused with READONLY, recorded as `fail`.
 */
export function failoverNemesis(_opts: object = {}): Nemesis {
  const byEndpoint = (ctx: NemesisContext) => ctx.cluster.topology === "single" && ctx.allows?.nodeControl === false;
  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      if (ctx.allows?.nodeControl === false) return refusedHere(ctx);
      if (ctx.cluster.topology === "single") return "failover needs a replicated, sentinel or cluster topology";
      if (ctx.cluster.nodes.length < 2) return "failover needs at least two data nodes";
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
          if (byEndpoint(ctx)) return endpointFailover(ctx);
          throw new Error("failover needs a replicated, sentinel or cluster topology");
      }
    },

    async stop(ctx: NemesisContext) {
      if (byEndpoint(ctx)) return failBack(ctx);
      return { note: "a failover is not undone" };
    },

    async healAll(ctx: NemesisContext) {
      // Elsewhere nothing to heal: every node keeps running and replicating; the run's recovery waits for a primary.
      if (byEndpoint(ctx)) await failBack(ctx);
    },

    mayRemain() {
      return "nothing but a moved primary: every node keeps running and replicating (after FAILOVER on --endpoint, fail back with FAILOVER on the node the endpoint replicates)";
    },

    describe() {
      return "failover (SENTINEL FAILOVER / CLUSTER FAILOVER / REPLICAOF / FAILOVER, by topology)";
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
    if (topology === "single") return await endpointRefusal(ctx);
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

/** How long FAILOVER may wait for a replica to catch up before the server rolls back (its TIMEOUT). */
const FAILOVER_TIMEOUT_MS = 10_000;

/** The endpoint's ROLE, as the server answers it. */
async function roleAt(ctx: NemesisContext, host: string, port: number): Promise<unknown> {
  return ctx.command!(host, port, ["ROLE"]);
}

/** A primary's replicas from its ROLE reply (`master`, offset, [[ip, port, offset], ...]). */
export function replicasInRole(reply: unknown): Array<{ host: string; port: number }> {
  if (!Array.isArray(reply) || reply[0] !== "master" || !Array.isArray(reply[2])) return [];
  return (reply[2] as unknown[])
    .filter((r): r is unknown[] => Array.isArray(r) && r.length >= 2)
    .map((r) => ({ host: String(r[0]), port: Number(r[1]) }));
}

/**
 * Before the run, on --endpoint: FAILOVER ABORT is harmless (nothing is in progress) and refused exactly where
 * FAILOVER would be: by an engine without it (older than 6.2, Dragonfly), an ACL, or a service that renames it.
 * "No failover in progress" is the answer of a server that has it and lets the user run it. Then a replica to hand
 * the primary to.
 */
async function endpointRefusal(ctx: NemesisContext): Promise<string | undefined> {
  const endpoint = ctx.cluster.nodes[0];
  if (!endpoint || !ctx.command) return "no endpoint to send FAILOVER to";
  try {
    await ctx.command(endpoint.ip, endpoint.port, ["FAILOVER", "ABORT"]);
  } catch (err) {
    const msg = (err as Error).message.split("\n")[0] ?? "";
    if (!/no failover in progress/i.test(msg)) return `the server refuses FAILOVER: ${msg}`;
  }
  const replicas = replicasInRole(await roleAt(ctx, endpoint.ip, endpoint.port));
  if (!replicas.length)
    return `${endpoint.ip}:${endpoint.port} has no connected replica (ROLE lists none), and FAILOVER needs one to promote`;
  return undefined;
}

/** Waits until FAILOVER has settled: the node is a replica of someone, or a primary again (rolled back). */
async function settled(ctx: NemesisContext, host: string, port: number, want: "master" | "slave") {
  let role: ReturnType<typeof parseRole>;
  const ok = await waitFor(
    async () => {
      const now = parseRole(await roleAt(ctx, host, port).catch(() => undefined));
      role = now;
      if (now?.role !== want) return false;
      return now.role === "master" || now.state === "connected";
    },
    PROMOTION_TIMEOUT_MS,
    250,
  );
  return ok ? role : undefined;
}

/** FAILOVER on the --endpoint primary: the server pauses writes, waits for a replica to catch up and hands over. */
async function endpointFailover(ctx: NemesisContext) {
  const endpoint = ctx.cluster.nodes[0]!;
  await ctx.command!(endpoint.ip, endpoint.port, ["FAILOVER", "TIMEOUT", String(FAILOVER_TIMEOUT_MS)]);
  const role = await settled(ctx, endpoint.ip, endpoint.port, "slave");
  if (role?.role !== "slave") {
    const now = parseRole(await roleAt(ctx, endpoint.ip, endpoint.port).catch(() => undefined));
    throw new Error(
      `FAILOVER was accepted but ${endpoint.ip}:${endpoint.port} is ${now?.role === "master" ? "still the primary (the server rolled back)" : "not yet a connected replica"} after ${PROMOTION_TIMEOUT_MS / 1000}s`,
    );
  }
  return {
    via: `FAILOVER on ${endpoint.name}`,
    from: `${endpoint.ip}:${endpoint.port}`,
    to: `${role.primaryHost}:${role.primaryPort}`,
    note: "the endpoint is now a replica: the run's writes to it are refused (READONLY) until the fail back",
  };
}

/**
 * Makes the endpoint the primary again, if it is not: FAILOVER on the node it now replicates, to the endpoint (as
 * that node lists it among its replicas). Idempotent: a primary endpoint needs nothing.
 */
async function failBack(ctx: NemesisContext) {
  const endpoint = ctx.cluster.nodes[0]!;
  const role = parseRole(await roleAt(ctx, endpoint.ip, endpoint.port));
  if (role?.role === "master") return { note: `${endpoint.ip}:${endpoint.port} is the primary` };
  if (role?.role !== "slave") throw new Error(`${endpoint.ip}:${endpoint.port} answered ROLE with no role`);
  const primary = { host: role.primaryHost!, port: role.primaryPort! };
  const replicas = replicasInRole(await roleAt(ctx, primary.host, primary.port));
  const seenAs =
    replicas.find((r) => r.host === endpoint.ip && r.port === endpoint.port) ??
    (replicas.length === 1 ? replicas[0] : undefined);
  if (!seenAs)
    throw new Error(
      `${primary.host}:${primary.port} does not list ${endpoint.ip}:${endpoint.port} among its replicas; fail back by hand with FAILOVER TO <endpoint> on ${primary.host}:${primary.port}`,
    );
  await ctx.command!(primary.host, primary.port, [
    "FAILOVER",
    "TO",
    seenAs.host,
    String(seenAs.port),
    "TIMEOUT",
    String(FAILOVER_TIMEOUT_MS),
  ]);
  if (!(await settled(ctx, endpoint.ip, endpoint.port, "master")))
    throw new Error(
      `FAILOVER TO ${seenAs.host}:${seenAs.port} was accepted by ${primary.host}:${primary.port} but the endpoint was not the primary within ${PROMOTION_TIMEOUT_MS / 1000}s`,
    );
  return {
    via: `FAILOVER TO on ${primary.host}:${primary.port}`,
    from: `${primary.host}:${primary.port}`,
    to: `${endpoint.ip}:${endpoint.port}`,
  };
}

export const failover: NemesisPackage<object> = {
  ...LOOKS,
  withoutNodeControl: true,
  planProblem: (plan) =>
    // An existing standalone primary's replicas are asked for when it is reached (FAILOVER needs one).
    (plan.topology === "single" && plan.nodeControl) || (plan.nodeControl && plan.dataNodes.length < 2)
      ? `--nemesis failover needs a replica to promote, and --topology ${plan.topology} has ${plan.dataNodes.length} data node(s); use --topology replicated, sentinel or cluster, or drop failover from --nemesis`
      : undefined,
  summary: "move the primary by command: SENTINEL FAILOVER, CLUSTER FAILOVER, REPLICAOF, or FAILOVER on --endpoint",
  create: failoverNemesis,
};

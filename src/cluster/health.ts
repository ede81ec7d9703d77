import { withAdminConnection } from "../client/admin.js";
import type { TopologyName } from "../core/cluster.js";
import { parseInfo, parseSentinelEntries } from "../db/info.js";
import { MASTER_NAME, SENTINEL_PORT } from "../topology/layout.js";

/**
 * "Healthy" means ready for a workload: every process answers, replication links are up, Sentinels agree on the
 * primary and know the replicas and each other (a failover needs their votes), a cluster says cluster_state:ok.
 * The judgement is a pure function of one observation; gathering it is the only I/O.
 */
export interface HealthTarget {
  topology: TopologyName;
  data: Array<{ name: string; ip: string; port: number }>;
  /** Every Sentinel process: on its own node, or co-located in a data node. */
  sentinels: Array<{ name: string; ip: string }>;
  /** Replicas each primary should report. */
  replicasPerPrimary: number;
  /** Primaries expected (3 in cluster topology, else 1). */
  primaries: number;
}

export interface DataObservation {
  ping: string | true;
  info?: Record<string, string>;
}

export interface SentinelObservation {
  ping: string | true;
  /** "ip:port" of the primary this Sentinel believes in. */
  primary?: string;
  /** Replicas it knows that it does not consider down. */
  replicasKnown?: number;
  /** Other Sentinels it knows. */
  peersKnown?: number;
}

export interface HealthObservation {
  data: Record<string, DataObservation>;
  sentinels: Record<string, SentinelObservation>;
}

export interface HealthProblem {
  /** The node whose log explains it. */
  node: string;
  problem: string;
}

export function healthProblems(t: HealthTarget, o: HealthObservation): HealthProblem[] {
  const out: HealthProblem[] = [];
  const primaries: string[] = [];
  for (const n of t.data) {
    const d = o.data[n.name];
    if (!d || d.ping !== true) {
      out.push({ node: n.name, problem: `does not answer PING (${d?.ping ?? "not asked"})` });
      continue;
    }
    const info = d.info ?? {};
    const role = info.role;
    if (role === "master") {
      primaries.push(n.name);
      if (t.topology !== "single") {
        const connected = Number(info.connected_slaves ?? 0);
        if (t.replicasPerPrimary > 0 && connected < t.replicasPerPrimary) {
          out.push({ node: n.name, problem: `primary has ${connected} of ${t.replicasPerPrimary} replicas connected` });
        }
      }
    } else if (role === "slave" || role === "replica") {
      if (info.master_link_status !== "up") {
        out.push({ node: n.name, problem: `replica's master_link_status is ${info.master_link_status ?? "unknown"}` });
      }
    } else {
      out.push({ node: n.name, problem: `reports role ${role ?? "unknown"}` });
    }
    if (t.topology === "cluster") {
      if (info.cluster_state !== "ok")
        out.push({ node: n.name, problem: `cluster_state is ${info.cluster_state ?? "unknown"}` });
      const known = Number(info.cluster_known_nodes ?? 0);
      if (known !== t.data.length)
        out.push({ node: n.name, problem: `knows ${known} of ${t.data.length} cluster nodes` });
    }
  }
  if (out.length === 0 && primaries.length !== t.primaries) {
    out.push({
      node: primaries[0] ?? t.data[0]?.name ?? "?",
      problem: `${primaries.length} nodes say they are primary (${primaries.join(", ") || "none"}); expected ${t.primaries}`,
    });
  }

  const beliefs = new Set<string>();
  for (const s of t.sentinels) {
    const so = o.sentinels[s.name];
    if (!so || so.ping !== true) {
      out.push({ node: s.name, problem: `Sentinel does not answer PING (${so?.ping ?? "not asked"})` });
      continue;
    }
    if (!so.primary) {
      out.push({ node: s.name, problem: `Sentinel knows no primary for ${MASTER_NAME}` });
      continue;
    }
    beliefs.add(so.primary);
    if ((so.replicasKnown ?? 0) < t.replicasPerPrimary) {
      out.push({
        node: s.name,
        problem: `Sentinel knows ${so.replicasKnown ?? 0} of ${t.replicasPerPrimary} replicas`,
      });
    }
    if ((so.peersKnown ?? 0) < t.sentinels.length - 1) {
      out.push({
        node: s.name,
        problem: `Sentinel knows ${so.peersKnown ?? 0} of ${t.sentinels.length - 1} other Sentinels`,
      });
    }
  }
  if (beliefs.size > 1) {
    out.push({
      node: t.sentinels[0]!.name,
      problem: `Sentinels disagree on the primary: ${[...beliefs].join(" vs ")}`,
    });
  } else if (beliefs.size === 1 && primaries.length === 1) {
    const believed = [...beliefs][0]!;
    const actual = t.data.find((n) => n.name === primaries[0]);
    if (actual && believed !== `${actual.ip}:${actual.port}`) {
      out.push({ node: t.sentinels[0]!.name, problem: `Sentinels name ${believed} as primary, but ${actual.name} is` });
    }
  }
  return out;
}

/** Asks every process once. Never throws: an unreachable process is an observation, not an error. */
export async function observeHealth(t: HealthTarget): Promise<HealthObservation> {
  const data: Record<string, DataObservation> = {};
  const sentinels: Record<string, SentinelObservation> = {};
  await Promise.all([
    ...t.data.map(async (n) => {
      data[n.name] = await askNode(n.ip, n.port, async (ask) => {
        const info = await ask(["INFO", "replication"]);
        const fields = info.ok ? parseInfo(String(info.reply)) : {};
        if (t.topology === "cluster") {
          const ci = await ask(["CLUSTER", "INFO"]);
          if (ci.ok) Object.assign(fields, parseInfo(String(ci.reply)));
        }
        return { ping: true, info: fields };
      });
    }),
    ...t.sentinels.map(async (s) => {
      sentinels[s.name] = await askNode(s.ip, SENTINEL_PORT, async (ask) => {
        const obs: SentinelObservation = { ping: true };
        const [addr, reps, peers] = await Promise.all([
          ask(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME]),
          ask(["SENTINEL", "REPLICAS", MASTER_NAME]),
          ask(["SENTINEL", "SENTINELS", MASTER_NAME]),
        ]);
        if (addr.ok && Array.isArray(addr.reply) && addr.reply.length === 2)
          obs.primary = `${addr.reply[0]}:${addr.reply[1]}`;
        if (reps.ok) obs.replicasKnown = parseSentinelEntries(reps.reply).filter((r) => up(r.flags)).length;
        // Only peers it is connected to: a Sentinel told of its peers in its config knows them before it reaches them.
        if (peers.ok) obs.peersKnown = parseSentinelEntries(peers.reply).filter((r) => up(r.flags)).length;
        return obs;
      });
    }),
  ]);
  return { data, sentinels };
}

function up(flags: string | undefined): boolean {
  return !/s_down|o_down|disconnected/.test(flags ?? "");
}

type Ask = (args: string[]) => Promise<{ ok: true; reply: unknown } | { ok: false; error: string }>;

/**
 * PING on one connection, then the node's questions on the same connection: one connect per node per look instead
 * of one per question, since the health wait looks many times a second. A failed PING is the observation.
 */
async function askNode<T extends { ping: string | true }>(
  ip: string,
  port: number,
  then: (ask: Ask) => Promise<T>,
): Promise<T | { ping: string }> {
  const timeoutMs = 2000;
  try {
    return await withAdminConnection(ip, port, timeoutMs, async (conn) => {
      const ask: Ask = async ([cmd, ...args]) => {
        try {
          return { ok: true, reply: await conn.call(cmd!, ...args) };
        } catch (err) {
          return { ok: false, error: (err as Error).message || String(err) };
        }
      };
      const ping = await ask(["PING"]);
      if (!ping.ok) return { ping: ping.error };
      return then(ask);
    });
  } catch (err) {
    return { ping: (err as Error).message || String(err) };
  }
}

export class HealthTimeoutError extends Error {
  constructor(
    message: string,
    readonly problems: HealthProblem[],
  ) {
    super(message);
    this.name = "HealthTimeoutError";
  }
}

/**
 * Polls until healthy or the deadline passes. On timeout the error lists what was still wrong and the last lines
 * of the logs of the nodes involved, which is usually where the reason is.
 */
export async function waitHealthy(
  t: HealthTarget,
  opts: { timeoutMs: number; logTail(node: string): Promise<string>; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const problems = healthProblems(t, await observeHealth(t));
    if (problems.length === 0) return;
    if (Date.now() >= deadline) {
      const nodes = [...new Set(problems.map((p) => p.node))];
      const logs = await Promise.all(
        nodes.map(
          async (n) =>
            `--- last lines of ${n}'s log ---\n${(await opts.logTail(n).catch(() => "")).trimEnd() || "(empty)"}`,
        ),
      );
      throw new HealthTimeoutError(
        `the cluster did not become healthy within ${Math.round(opts.timeoutMs / 1000)} s:\n` +
          problems.map((p) => `  - ${p.node}: ${p.problem}`).join("\n") +
          "\n" +
          logs.join("\n"),
        problems,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/**
 * Parsers for what Redis-protocol servers answer about themselves: INFO, ROLE, CLUSTER NODES. Pure, so the health
 * checks and primary discovery built on them are tested without a server.
 */

/** INFO's `field:value` lines, all sections flattened (field names are unique across sections). */
export type InfoFields = Record<string, string>;

export function parseInfo(text: string): InfoFields {
  const out: InfoFields = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const i = line.indexOf(":");
    if (i <= 0) continue;
    out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export interface ReplicaEntry {
  ip: string;
  port: number;
  state: string;
  offset: number;
}

/** The connected replicas a primary lists in INFO replication (`slave0:ip=...,port=...,state=online,...`). */
export function replicasFromInfo(info: InfoFields): ReplicaEntry[] {
  const out: ReplicaEntry[] = [];
  for (const [k, v] of Object.entries(info)) {
    if (!/^slave\d+$/.test(k)) continue;
    const kv = Object.fromEntries(v.split(",").map((p) => p.split("=") as [string, string]));
    if (kv.ip === undefined || kv.port === undefined) continue;
    out.push({ ip: kv.ip, port: Number(kv.port), state: kv.state ?? "", offset: Number(kv.offset ?? 0) });
  }
  return out;
}

export type Role =
  | { role: "master"; offset: number }
  | { role: "slave"; primaryHost: string; primaryPort: number; state: string }
  | { role: "sentinel"; masters: string[] };

/** The reply of ROLE, as ioredis returns it (nested arrays of strings and numbers). */
export function parseRole(reply: unknown): Role | undefined {
  if (!Array.isArray(reply) || typeof reply[0] !== "string") return undefined;
  const kind = reply[0];
  if (kind === "master") return { role: "master", offset: Number(reply[1] ?? 0) };
  if (kind === "slave" || kind === "replica") {
    return { role: "slave", primaryHost: String(reply[1]), primaryPort: Number(reply[2]), state: String(reply[3]) };
  }
  if (kind === "sentinel") return { role: "sentinel", masters: Array.isArray(reply[1]) ? reply[1].map(String) : [] };
  return undefined;
}

export interface ClusterNodeLine {
  id: string;
  ip: string;
  port: number;
  flags: string[];
  /** Node id of the primary this node replicates, or undefined for a primary. */
  primaryId: string | undefined;
  linkState: string;
  slots: Array<[number, number]>;
  myself: boolean;
  isPrimary: boolean;
  failed: boolean;
}

/** CLUSTER NODES: `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...` */
export function parseClusterNodes(text: string): ClusterNodeLine[] {
  const out: ClusterNodeLine[] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 8) continue;
    const [id, addr, flagText, primary, , , , link, ...slotParts] = parts as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      ...string[],
    ];
    const hostPort = addr.split("@")[0]!;
    const colon = hostPort.lastIndexOf(":");
    const flags = flagText.split(",");
    const slots: Array<[number, number]> = [];
    for (const s of slotParts) {
      if (s.startsWith("[")) continue; // a slot being migrated or imported
      const [lo, hi] = s.split("-");
      slots.push([Number(lo), Number(hi ?? lo)]);
    }
    out.push({
      id,
      ip: hostPort.slice(0, colon),
      port: Number(hostPort.slice(colon + 1)),
      flags,
      primaryId: primary === "-" ? undefined : primary,
      linkState: link,
      slots,
      myself: flags.includes("myself"),
      isPrimary: flags.includes("master"),
      failed: flags.includes("fail") || flags.includes("fail?") || flags.includes("noaddr"),
    });
  }
  return out;
}

/**
 * Sentinel's replies to SENTINEL REPLICAS / SENTINEL SENTINELS: one flat [k1, v1, k2, v2, ...] array per entry.
 */
export function parseSentinelEntries(reply: unknown): Array<Record<string, string>> {
  if (!Array.isArray(reply)) return [];
  return reply.map((entry) => {
    const rec: Record<string, string> = {};
    if (Array.isArray(entry))
      for (let i = 0; i + 1 < entry.length; i += 2) rec[String(entry[i])] = String(entry[i + 1]);
    return rec;
  });
}

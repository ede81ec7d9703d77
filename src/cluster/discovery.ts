import { tryAdminCall } from "../client/admin.js";
import type { Node, TopologyName } from "../core/cluster.js";
import { parseClusterNodes, parseRole } from "../db/info.js";
import { MASTER_NAME, SENTINEL_PORT } from "../topology/layout.js";

/**
 * "Who is primary now" is asked at call time of whoever decides it in the topology: Sentinels (by majority of those
 * answering), the cluster's own view (CLUSTER NODES), or each node's ROLE. Never cached: faults change it.
 */
export interface DiscoveryView {
  topology: TopologyName;
  data: readonly Node[];
  /** Addresses of every Sentinel process. */
  sentinelIps: readonly string[];
}

function byAddress(view: DiscoveryView, host: string, port: number): Node | undefined {
  return view.data.find((n) => n.ip === host && n.port === port);
}

/** The address most answering Sentinels name; ties and silence give undefined. */
export function sentinelMajority(answers: Array<string | undefined>): string | undefined {
  const counts = new Map<string, number>();
  for (const a of answers) if (a) counts.set(a, (counts.get(a) ?? 0) + 1);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  if (sorted.length === 0 || (sorted.length > 1 && sorted[0]![1] === sorted[1]![1])) return undefined;
  return sorted[0]![0];
}

export async function discoverPrimaries(view: DiscoveryView): Promise<Node[]> {
  if (view.topology === "sentinel") {
    const answers = await Promise.all(
      view.sentinelIps.map(async (ip) => {
        const r = await tryAdminCall(ip, SENTINEL_PORT, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME], 1000);
        return r.ok && Array.isArray(r.reply) && r.reply.length === 2 ? `${r.reply[0]}:${r.reply[1]}` : undefined;
      }),
    );
    const addr = sentinelMajority(answers);
    if (!addr) return [];
    const i = addr.lastIndexOf(":");
    const node = byAddress(view, addr.slice(0, i), Number(addr.slice(i + 1)));
    return node ? [node] : [];
  }
  if (view.topology === "cluster") {
    // The first node that answers speaks for the cluster; a primary it marks failed is not a primary.
    for (const n of view.data) {
      const r = await tryAdminCall(n.ip, n.port, ["CLUSTER", "NODES"], 1000);
      if (!r.ok) continue;
      const lines = parseClusterNodes(String(r.reply)).filter((l) => l.isPrimary && !l.failed && l.slots.length > 0);
      lines.sort((a, b) => a.slots[0]![0] - b.slots[0]![0]);
      return lines.map((l) => byAddress(view, l.ip, l.port)).filter((x): x is Node => x !== undefined);
    }
    return [];
  }
  const roles = await Promise.all(
    view.data.map(async (n) => {
      const r = await tryAdminCall(n.ip, n.port, ["ROLE"], 1000);
      return r.ok ? parseRole(r.reply) : undefined;
    }),
  );
  return view.data.filter((_, i) => roles[i]?.role === "master");
}

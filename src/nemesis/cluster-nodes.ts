/** Parsing `CLUSTER NODES`, enough to find a primary's replicas (failover in cluster topology). Pure. */

export interface ClusterNodeEntry {
  id: string;
  host: string;
  port: number;
  flags: string[];
  /** The primary's id for a replica, undefined for a primary. */
  primaryId: string | undefined;
}

export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  const out: ClusterNodeEntry[] = [];
  for (const line of text.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8) continue;
    const [id, addr, flags, primary] = cols as [string, string, string, string];
    // ip:port@cport[,hostname]; IPv6 hosts contain colons, so the port is after the last one.
    const hostPort = addr.split("@")[0] ?? "";
    const colon = hostPort.lastIndexOf(":");
    const port = Number(hostPort.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port)) continue;
    out.push({
      id,
      host: hostPort.slice(0, colon),
      port,
      flags: flags.split(","),
      primaryId: primary === "-" ? undefined : primary,
    });
  }
  return out;
}

/** Healthy replicas of the node at host:port (failed or handshaking ones cannot take over). */
export function replicasOf(entries: readonly ClusterNodeEntry[], host: string, port: number): ClusterNodeEntry[] {
  const primary = entries.find((e) => e.host === host && e.port === port);
  if (primary === undefined) return [];
  const unhealthy = ["fail", "fail?", "handshake", "noaddr"];
  return entries.filter(
    (e) =>
      e.primaryId === primary.id &&
      (e.flags.includes("slave") || e.flags.includes("replica")) &&
      !e.flags.some((f) => unhealthy.includes(f)),
  );
}

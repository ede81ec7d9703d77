/** Docker's inspect answer for one container port, e.g. {"6379/tcp": [{HostIp: "127.0.0.1", HostPort: "32768"}]}. */
export type InspectedPorts = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null | undefined>;

/** The host port Docker chose for a container port, read back from inspect; undefined if it published none. */
export function publishedPort(ports: InspectedPorts | undefined, containerPort: number): number | undefined {
  const bindings = ports?.[`${containerPort}/tcp`] ?? [];
  for (const b of bindings) {
    const p = Number(b.HostPort);
    // An IPv6 binding of the same port is listed too; both carry the same number, so the first valid one will do.
    if (Number.isInteger(p) && p > 0) return p;
  }
  return undefined;
}

import { createHash } from "node:crypto";
import { networkInterfaces } from "node:os";
import { trackRun } from "./cleanup.js";
import { creating } from "./creations.js";
import { docker } from "./engine.js";
import { labels } from "./labels.js";
import { formatCidr, hostAddress, type Ipv4Net, pickSubnet } from "./subnet.js";

/**
 * Runs get their own /24 out of this pool. It avoids Docker's default pools (172.17.0.0/16.., 192.168.0.0/16) and
 * is checked against every existing network and host interface before use.
 */
export const RUN_SUBNET_POOL = "10.213.0.0/16";

/** The gateway is .1; node i (1-based) sits at .(10 + i), leaving room below for future helpers. */
const FIRST_NODE_HOST = 10;

export interface RunNetwork {
  id: string;
  name: string;
  subnet: string;
  gateway: string;
  /** The address of node number `i` (1-based: n1 -> ipFor(1)). */
  ipFor(i: number): string;
}

async function usedSubnets(): Promise<string[]> {
  const used: string[] = [];
  for (const n of await docker().listNetworks()) {
    for (const c of n.IPAM?.Config ?? []) if (c.Subnet) used.push(c.Subnet);
  }
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && a.cidr) used.push(a.cidr);
  }
  return used;
}

function slotFor(runId: string): number {
  return createHash("sha256").update(runId).digest().readUInt16BE(0);
}

/**
 * A private bridge network for one run. It is `internal`: containers reach each other and the host reaches them
 * (the host owns the bridge's gateway address), but nothing in a node can reach beyond this machine.
 */
export function createRunNetwork(runId: string, opts: { publishable?: boolean } = {}): Promise<RunNetwork> {
  // In flight until it answers and refused once teardown began (see creations.ts).
  return creating(runId, () => {
    trackRun(runId);
    return createNetwork(runId, opts);
  });
}

async function createNetwork(runId: string, opts: { publishable?: boolean }): Promise<RunNetwork> {
  const name = `splitbrain-${runId}`;
  const tried: string[] = [];
  // Another run (a parallel test file) may take the same subnet between our listing and our create: retry.
  for (let attempt = 0; attempt < 8; attempt++) {
    const net = pickSubnet([...(await usedSubnets()), ...tried], RUN_SUBNET_POOL, 24, slotFor(runId) + attempt);
    if (!net) throw new Error(`no free /24 left in ${RUN_SUBNET_POOL}; remove old networks with: splitbrain clean`);
    const subnet = formatCidr(net);
    const gateway = hostAddress(net, 1);
    try {
      const created = await docker().createNetwork({
        Name: name,
        Driver: "bridge",
        // Docker publishes no port of a container whose only network is internal. A network whose ports can be
        // published (--client-mode published/auto) is therefore not internal, but without masquerading: nothing
        // is NATed out, so a node still reaches nothing beyond this machine (replies to the outside have no route).
        Internal: !opts.publishable,
        ...(opts.publishable ? { Options: { "com.docker.network.bridge.enable_ip_masquerade": "false" } } : {}),
        CheckDuplicate: true,
        IPAM: { Driver: "default", Config: [{ Subnet: subnet, Gateway: gateway }] },
        Labels: labels(runId),
      });
      return describe(created.id, name, net, gateway);
    } catch (err) {
      const msg = (err as Error).message ?? "";
      if (!/overlap|Pool/i.test(msg)) throw err;
      tried.push(subnet);
    }
  }
  throw new Error(`could not create a network for run ${runId}: every subnet tried was taken meanwhile`);
}

function describe(id: string, name: string, net: Ipv4Net, gateway: string): RunNetwork {
  return {
    id,
    name,
    subnet: formatCidr(net),
    gateway,
    ipFor: (i: number) => {
      if (!Number.isInteger(i) || i < 1) throw new Error(`node numbers start at 1, got ${i}`);
      return hostAddress(net, FIRST_NODE_HOST + i);
    },
  };
}

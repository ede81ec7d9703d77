import { UsageError } from "../core/exit.js";
import type { FaultOption, FaultPlan, Rng } from "./nemesis.js";
import { majoritySize } from "./targets.js";

/**
 * Jepsen's grudge: each node maps to the nodes whose traffic it drops. Only inbound packets are dropped, as in
 * Jepsen; over TCP that is enough to cut both directions of a link (the replies never arrive), and it keeps
 * one-sided grudges expressible. Nodes that hold no grudge are left out. Pure: shapes are functions of the node
 * names, the primary and a seeded rng.
 */
export type Grudge = Record<string, string[]>;

export type GrudgeShape = "isolate-primary" | "one" | "halves" | "majorities-ring" | "bridge";
export type GrudgeSpec = GrudgeShape | { explicit: Grudge };

export const GRUDGE_SHAPES: readonly GrudgeShape[] = ["isolate-primary", "one", "halves", "majorities-ring", "bridge"];

export const GRUDGE_HELP =
  'isolate-primary, one, halves, majorities-ring, bridge, or an explicit grudge such as "n1:n2,n3;n2:n1" ' +
  "(n1 drops traffic from n2 and n3; n2 drops traffic from n1)";

/** The partition shape, read by the partition fault. */
export interface PartitionShapeOptions {
  /** Partition shape or explicit grudge. */
  grudge?: GrudgeSpec;
}

/** Whether a fault on the network also cuts the test runner's own traffic (partition, packet-loss). */
export interface PartitionClientsOptions {
  /** Also cut the test runner's own traffic from the nodes outside the largest group (`--partition-clients`). */
  partitionClients?: boolean;
}

/** `--partition`, declared once here with the shapes it names. */
export const PARTITION_OPTION: FaultOption<PartitionShapeOptions> = {
  flags: "--partition <shape>",
  description: `partition shape: ${GRUDGE_HELP}`,
  parse: (text) => ({ grudge: parseGrudgeSpec(text as string) }),
};

/** `--partition-clients`, shared by the faults that cut or thin links. */
export const PARTITION_CLIENTS_OPTION: FaultOption<PartitionClientsOptions> = {
  flags: "--partition-clients",
  description: "also cut the test runner's own traffic to the nodes on the minority side",
  parse: () => ({ partitionClients: true }),
};

/** Parses a shape name or an explicit grudge `a:b,c;d:e`. Node names are checked against the cluster later. */
export function parseGrudgeSpec(text: string): GrudgeSpec {
  const t = text.trim();
  if ((GRUDGE_SHAPES as readonly string[]).includes(t)) return t as GrudgeShape;
  if (!t.includes(":")) throw new UsageError(`"${text}" is not a partition shape`, `use ${GRUDGE_HELP}`);
  const grudge: Grudge = {};
  for (const clause of t
    .split(";")
    .map((c) => c.trim())
    .filter((c) => c.length > 0)) {
    const parts = clause.split(":");
    const node = parts[0]?.trim() ?? "";
    const dropped = (parts[1] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (parts.length !== 2 || node.length === 0 || dropped.length === 0) {
      throw new UsageError(`"${clause}" in "${text}" is not node:peer,peer`, `use ${GRUDGE_HELP}`);
    }
    if (dropped.includes(node)) throw new UsageError(`"${clause}": a node cannot drop its own traffic`);
    grudge[node] = [...new Set([...(grudge[node] ?? []), ...dropped])].sort();
  }
  return { explicit: grudge };
}

/** Checked before a run: returns what is wrong with this spec for these nodes, or undefined. */
export function grudgeProblem(spec: GrudgeSpec, nodes: readonly string[]): string | undefined {
  if (typeof spec !== "string") {
    const named = Object.entries(spec.explicit).flatMap(([n, ps]) => [n, ...ps]);
    const unknown = [...new Set(named.filter((n) => !nodes.includes(n)))];
    return unknown.length > 0 ? `no node named ${unknown.join(", ")} (nodes: ${nodes.join(", ")})` : undefined;
  }
  if (nodes.length < 2) return "a partition needs at least 2 nodes";
  if (spec === "bridge" && nodes.length < 3) return "a bridge needs at least 3 nodes (two sides and the bridge)";
  if (spec === "majorities-ring" && nodes.length < 4) {
    return "majorities-ring needs at least 4 nodes: with 3, every node seeing a different majority is impossible";
  }
  return undefined;
}

/** partition's `planProblem`: grudges may name every node, Sentinel-only ones included, as at run time. */
export function grudgePlanProblem(plan: FaultPlan<PartitionShapeOptions>, fallback: GrudgeSpec): string | undefined {
  const spec = plan.options.grudge ?? fallback;
  const problem = grudgeProblem(spec, plan.nodes);
  if (problem === undefined) return undefined;
  const shape = typeof spec === "string" ? spec : describeGrudge(spec.explicit);
  if (plan.options.grudge !== undefined) return `--partition ${shape}: ${problem} with --topology ${plan.topology}`;
  return (
    `--nemesis partition (${shape} by default): ${problem}, and --topology ${plan.topology} has ${plan.nodes.length}; ` +
    "use --topology replicated, sentinel or cluster, or drop partition from --nemesis"
  );
}

/** Every node drops every node outside its own component: a clean split. */
export function completeGrudge(components: readonly (readonly string[])[]): Grudge {
  const grudge: Grudge = {};
  for (const component of components) {
    const others = components
      .filter((c) => c !== component)
      .flat()
      .sort();
    if (others.length === 0) continue;
    for (const node of component) grudge[node] = [...others];
  }
  return grudge;
}

/** `isolate-primary` without a primary yields undefined: there is nobody to isolate, and guessing would mislead. */
export function computeGrudge(
  spec: GrudgeSpec,
  nodes: readonly string[],
  primary: string | undefined,
  rng: Rng,
): Grudge | undefined {
  const problem = grudgeProblem(spec, nodes);
  if (problem !== undefined) throw new UsageError(`cannot partition: ${problem}`);
  if (typeof spec !== "string") return normalise(spec.explicit);
  switch (spec) {
    case "isolate-primary":
      if (primary === undefined || !nodes.includes(primary)) return undefined;
      return isolate(primary, nodes);
    case "one":
      return isolate(rng.pick(nodes), nodes);
    case "halves": {
      // The first half is the smaller one, so an odd cluster splits into a minority and a majority.
      const shuffled = rng.shuffle(nodes);
      const cut = Math.floor(shuffled.length / 2);
      return completeGrudge([shuffled.slice(0, cut), shuffled.slice(cut)]);
    }
    case "bridge":
      return bridge(rng.shuffle(nodes));
    case "majorities-ring":
      return majoritiesRing(rng.shuffle(nodes));
  }
}

function isolate(node: string, nodes: readonly string[]): Grudge {
  return completeGrudge([[node], nodes.filter((n) => n !== node)]);
}

/** Two sides that cannot see each other, and one node in the middle that sees (and is seen by) both. */
function bridge(ring: readonly string[]): Grudge {
  const mid = Math.floor(ring.length / 2);
  const left = ring.slice(0, mid);
  const right = ring.slice(mid + 1);
  const grudge: Grudge = {};
  for (const n of left) grudge[n] = [...right].sort();
  for (const n of right) grudge[n] = [...left].sort();
  return grudge;
}

/**
 * Nodes on a ring each see a window centred on themselves that is a majority; every window differs, so no two nodes
 * agree on which majority they are in. Windows are centred (not forward-looking) so the grudge is symmetric: with
 * inbound-only drops, an asymmetric grudge over TCP would cut both directions and leave far less than a majority.
 */
function majoritiesRing(ring: readonly string[]): Grudge {
  const n = ring.length;
  const reach = Math.ceil((majoritySize(n) - 1) / 2);
  const grudge: Grudge = {};
  ring.forEach((node, i) => {
    const seen = new Set<string>();
    for (let d = -reach; d <= reach; d++) seen.add(ring[(((i + d) % n) + n) % n] as string);
    grudge[node] = ring.filter((m) => !seen.has(m)).sort();
  });
  return grudge;
}

function normalise(g: Grudge): Grudge {
  const out: Grudge = {};
  for (const [node, peers] of Object.entries(g)) if (peers.length > 0) out[node] = [...new Set(peers)].sort();
  return out;
}

/** Which nodes each node can still exchange packets with (both directions), for descriptions and tests. */
export function reachable(grudge: Grudge, nodes: readonly string[]): Record<string, string[]> {
  const drops = (a: string, b: string): boolean => (grudge[a] ?? []).includes(b);
  const out: Record<string, string[]> = {};
  for (const a of nodes) out[a] = nodes.filter((b) => b !== a && !drops(a, b) && !drops(b, a));
  return out;
}

/** One line for logs and reports: "n1 drops n2,n3; n2 drops n1". */
export function describeGrudge(grudge: Grudge): string {
  const entries = Object.entries(grudge).filter(([, ps]) => ps.length > 0);
  if (entries.length === 0) return "no grudge";
  return entries
    .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
    .map(([n, ps]) => `${n} drops ${ps.join(",")}`)
    .join("; ");
}

/** Groups of nodes that can reach each other, directly or through others; largest first, then by node order. */
export function componentsOf(grudge: Grudge, nodes: readonly string[]): string[][] {
  const links = reachable(grudge, nodes);
  const seen = new Set<string>();
  const components: string[][] = [];
  for (const start of nodes) {
    if (seen.has(start)) continue;
    const component: string[] = [];
    const queue = [start];
    seen.add(start);
    while (queue.length > 0) {
      const n = queue.shift() as string;
      component.push(n);
      for (const m of links[n] ?? []) if (!seen.has(m)) seen.add(m), queue.push(m);
    }
    components.push(nodes.filter((n) => component.includes(n)));
  }
  return components.sort((a, b) => b.length - a.length);
}

/**
 * With `--partition-clients` the test runner sits with the largest connected group of nodes (a tie is broken by
 * the rng), and every node outside that group drops the runner's traffic. Shapes that stay connected (bridge,
 * majorities-ring) therefore cut no client. Returns the nodes that must drop the runner.
 */
export function nodesCutFromClients(grudge: Grudge, nodes: readonly string[], rng: Rng): string[] {
  const components = componentsOf(grudge, nodes);
  const largest = components[0]?.length ?? 0;
  const tied = components.filter((c) => c.length === largest);
  const clientSide = tied.length > 1 ? rng.pick(tied) : tied[0];
  return nodes.filter((n) => clientSide !== undefined && !clientSide.includes(n));
}

import {
  computeGrudge,
  describeGrudge,
  type Grudge,
  type GrudgeSpec,
  grudgePlanProblem,
  grudgeProblem,
  nodesCutFromClients,
  type PartitionClientsOptions,
  type PartitionShapeOptions,
} from "../src/nemesis/grudge.js";
import {
  applyScript,
  type DropRule,
  flushScript,
  PARTITION_CHAIN,
  probeScript,
  removeScript,
  ruleArgs,
} from "../src/nemesis/iptables.js";
import { faultLooks, type Nemesis, type NemesisContext, type NemesisPackage } from "../src/nemesis/nemesis.js";
import { everyNode, onEach, runnerAddress, shell } from "../src/nemesis/node-io.js";

const LOOKS = faultLooks("partition", "partition", "#e6a4a4");

const DEFAULT_SHAPE: GrudgeSpec = "isolate-primary";

export type PartitionOptions = PartitionShapeOptions & PartitionClientsOptions;

/**
 * Network partitions from a grudge, applied with iptables in every node (Sentinel-only nodes too: where a Sentinel
 * sits decides which side elects a new primary). By default only node-to-node traffic is cut and the test runner
 * still reaches every node, so writes accepted by an old primary on the minority side are observed, as in
 * deployments where clients sit on both sides.
 */

export function partitionNemesis(opts: PartitionOptions = {}): Nemesis {
  const spec: GrudgeSpec = opts.grudge ?? DEFAULT_SHAPE;
  const partitionClients = opts.partitionClients ?? false;

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      const nodes = everyNode(ctx.cluster);
      const problem = grudgeProblem(
        spec,
        nodes.map((n) => n.name),
      );
      if (problem !== undefined) return problem;
      try {
        await onEach(nodes, (n) => shell(n, probeScript(), "iptables"));
      } catch (err) {
        return `partitions need iptables and the NET_ADMIN capability in every node: ${(err as Error).message}`;
      }
      return undefined;
    },

    async start(ctx: NemesisContext) {
      const nodes = everyNode(ctx.cluster);
      const nodeNames = nodes.map((n) => n.name);
      const primary = spec === "isolate-primary" ? (await ctx.cluster.primary())?.name : undefined;
      const grudge = computeGrudge(spec, nodeNames, primary, ctx.rng);
      if (grudge === undefined) return { grudge: null, note: "no primary answered, so nothing was cut" };
      const cutFromClients = partitionClients ? nodesCutFromClients(grudge, nodeNames, ctx.rng) : [];
      const ipOf = new Map(nodes.map((n) => [n.name, n.ip]));
      const runnerRules = new Map<string, DropRule[]>();
      for (const node of nodes.filter((n) => cutFromClients.includes(n.name))) {
        const runner = await runnerAddress(node, ctx.cluster);
        runnerRules.set(node.name, [{ from: runner }, { to: runner }]);
      }
      // The runner is cut first. Cutting nodes from each other first would let an old primary go on acknowledging
      // the runner's writes, which can no longer replicate, for as long as applying rules to every node takes
      // (most of a second on a loaded host): losses caused by the order of docker execs, not by the database.
      await onEach(
        nodes.filter((n) => runnerRules.has(n.name)),
        (node) => shell(node, applyScript(PARTITION_CHAIN, runnerRules.get(node.name)!), "cutting the test runner"),
      );
      await onEach(nodes, async (node) => {
        const rules: DropRule[] = (grudge[node.name] ?? []).map((peer) => ({ from: ipOf.get(peer) as string }));
        // Appended where the runner is already cut: re-applying would flush its rules for a moment.
        const script = runnerRules.has(node.name)
          ? ["set -e", ...rules.map((r) => `iptables -w ${ruleArgs(PARTITION_CHAIN, r).join(" ")}`)].join("\n")
          : applyScript(PARTITION_CHAIN, rules);
        await shell(node, script, "applying the partition");
      });
      ctx.log(`partition: ${describeGrudge(grudge)}`);
      return partitionClients ? { grudge, cutFromClients } : { grudge };
    },

    async stop(ctx: NemesisContext) {
      const nodes = everyNode(ctx.cluster);
      await onEach(nodes, (n) => shell(n, flushScript(PARTITION_CHAIN), "healing the partition"));
      return { healed: nodes.map((n) => n.name) };
    },

    async healAll(ctx: NemesisContext) {
      await onEach(everyNode(ctx.cluster), (n) => shell(n, removeScript(PARTITION_CHAIN), "removing partition rules"));
    },

    mayRemain() {
      return `the iptables chain ${PARTITION_CHAIN} cutting nodes (and maybe the runner) off from each other`;
    },

    describe() {
      const shape = typeof spec === "string" ? spec : describeGrudge(spec.explicit as Grudge);
      return `partition (${shape}${partitionClients ? ", runner cut too" : ", runner reaches every node"})`;
    },
  };
}

export const partition: NemesisPackage<PartitionOptions> = {
  ...LOOKS,
  planProblem: (plan) => grudgePlanProblem(plan, DEFAULT_SHAPE),
  summary:
    "cut the network with iptables along a grudge (isolate-primary, one, halves, majorities-ring, bridge, explicit)",
  create: partitionNemesis,
};

import type { Node } from "../src/core/cluster.js";
import type { PartitionClientsOptions } from "../src/nemesis/grudge.js";
import {
  applyScript,
  type DropRule,
  flushScript,
  LOSS_CHAIN,
  probeScript,
  removeScript,
} from "../src/nemesis/iptables.js";
import {
  faultLooks,
  type Nemesis,
  type NemesisContext,
  type NemesisPackage,
  type TargetSpec,
} from "../src/nemesis/nemesis.js";
import { everyNode, onEach, runnerAddress, shell } from "../src/nemesis/node-io.js";
import { names, resolveTargets, targetUnavailable } from "../src/nemesis/targeting.js";
import { describeTarget, type TargetOptions, targetPlanCheck } from "../src/nemesis/targets.js";

const LOOKS = faultLooks("packet-loss", "packet loss", "#c0c0a0");

export const DEFAULT_LOSS_PROBABILITY = 0.2;

const DEFAULT_TARGET: TargetSpec = "all";

export interface PacketLossOptions extends TargetOptions, PartitionClientsOptions {
  /** Share of packets packet-loss drops, in (0, 1]. */
  lossProbability?: number;
}

/**
 * The drop rules one node needs so that every packet on a link touching a targeted node is dropped with the given
 * probability exactly once: a target drops that share of what it receives from anyone, and of what it sends to
 * nodes that are not targets (those would not drop it on arrival). Pure, for tests.
 */
export function lossRules(
  node: string,
  targets: readonly string[],
  ipOf: ReadonlyMap<string, string>,
  probability: number,
  runner?: string,
): DropRule[] {
  if (!targets.includes(node)) return [];
  const rules: DropRule[] = [];
  for (const [peer, ip] of ipOf) {
    if (peer === node) continue;
    rules.push({ from: ip, probability });
    if (!targets.includes(peer)) rules.push({ to: ip, probability });
  }
  if (runner !== undefined) rules.push({ from: runner, probability }, { to: runner, probability });
  return rules;
}

/**
 * Random packet loss with iptables' statistic match, in a chain separate from the partition's so the two faults
 * heal independently. Node-to-node links only, unless `--partition-clients` also makes the runner's links lossy.
 */
export function packetLossNemesis(opts: PacketLossOptions = {}): Nemesis {
  const target: TargetSpec = opts.target ?? DEFAULT_TARGET;
  const probability = opts.lossProbability ?? DEFAULT_LOSS_PROBABILITY;
  if (!(probability > 0 && probability <= 1)) throw new RangeError(`packet loss must be in (0, 1], got ${probability}`);
  const clients = opts.partitionClients ?? false;

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      const problem = targetUnavailable(ctx, target);
      if (problem !== undefined) return problem;
      try {
        await onEach(everyNode(ctx.cluster), (n) => shell(n, probeScript(), "iptables"));
      } catch (err) {
        return `packet loss needs iptables and the NET_ADMIN capability in every node: ${(err as Error).message}`;
      }
      return undefined;
    },

    async start(ctx: NemesisContext) {
      const all = everyNode(ctx.cluster);
      const victims = names(await resolveTargets(ctx, target));
      const ipOf = new Map(all.map((n) => [n.name, n.ip]));
      await onEach(
        all.filter((n) => victims.includes(n.name)),
        async (node: Node) => {
          const runner = clients ? await runnerAddress(node, ctx.cluster) : undefined;
          await shell(
            node,
            applyScript(LOSS_CHAIN, lossRules(node.name, victims, ipOf, probability, runner)),
            "adding loss rules",
          );
        },
      );
      return { nodes: victims, probability };
    },

    async stop(ctx: NemesisContext) {
      const all = everyNode(ctx.cluster);
      await onEach(all, (n) => shell(n, flushScript(LOSS_CHAIN), "removing loss rules"));
      return { nodes: names(all) };
    },

    async healAll(ctx: NemesisContext) {
      await onEach(everyNode(ctx.cluster), (n) => shell(n, removeScript(LOSS_CHAIN), "removing loss rules"));
    },

    mayRemain() {
      return `the iptables chain ${LOSS_CHAIN} dropping packets on ${describeTarget(target)}`;
    },

    describe() {
      return `packet-loss (${Math.round(probability * 100)}% of packets on links of ${describeTarget(target)})`;
    },
  };
}

export const packetLoss: NemesisPackage<PacketLossOptions> = {
  ...LOOKS,
  planProblem: targetPlanCheck("packet-loss", DEFAULT_TARGET),
  summary: "drop a share of packets on the targets' links (iptables statistic match)",
  options: [
    {
      flags: "--packet-loss <p>",
      description: "share of packets packet-loss drops, in (0, 1] (default: 0.2)",
      parse: (text, problems) => {
        const p = Number(text);
        if (p > 0 && p <= 1) return { lossProbability: p };
        problems.push(`--packet-loss takes a probability in (0, 1], such as 0.2 (got "${text}")`);
        return {};
      },
    },
  ],
  create: packetLossNemesis,
};

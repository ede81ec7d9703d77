import type { Node } from "../src/core/cluster.js";
import {
  faultLooks,
  type Nemesis,
  type NemesisContext,
  type NemesisPackage,
  type TargetSpec,
} from "../src/nemesis/nemesis.js";
import { everyNode, onEach, shell } from "../src/nemesis/node-io.js";
import { names, resolveTargets, targetUnavailable } from "../src/nemesis/targeting.js";
import { describeTarget, type TargetOptions, targetPlanCheck } from "../src/nemesis/targets.js";

const LOOKS = faultLooks("latency", "latency", "#a0d0d0");

/** Docker names a container's first network interface eth0. */
const IFACE = "eth0";

export const DEFAULT_LATENCY_MS = 100;

const DEFAULT_TARGET: TargetSpec = "all";

export interface LatencyOptions extends TargetOptions {
  latencyMs?: number;
  latencyJitterMs?: number;
}

/**
 * Why tc netem cannot run, from a failed probe's output, or undefined if the output does not say. Kernels built
 * without sch_netem answer "Specified qdisc kind is unknown" (iproute2) or "Unknown qdisc" (older versions).
 */
export function netemProblem(exitCode: number, output: string): string | undefined {
  if (exitCode === 0) return undefined;
  if (exitCode === 127 || /not found/i.test(output))
    return "tc is not installed in the node image (Debian package iproute2)";
  if (/qdisc kind is unknown|unknown qdisc|no such file/i.test(output)) {
    return "the kernel has no sch_netem (tc netem), so latency cannot be injected on this machine";
  }
  if (/operation not permitted/i.test(output)) return "tc needs the NET_ADMIN capability in the node containers";
  return `tc netem does not work here: ${output.trim().split("\n")[0] ?? `exit code ${exitCode}`}`;
}

/**
 * Delays every packet a target sends (tc netem on its interface; the runner's traffic included, since netem cannot
 * tell peers apart without filters). Refused up front where the kernel lacks netem, rather than silently doing
 * nothing.
 */
export function latencyNemesis(opts: LatencyOptions = {}): Nemesis {
  const target: TargetSpec = opts.target ?? DEFAULT_TARGET;
  const delay = opts.latencyMs ?? DEFAULT_LATENCY_MS;
  const jitter = opts.latencyJitterMs ?? Math.round(delay / 10);
  if (!(delay > 0) || !(jitter >= 0)) throw new RangeError(`latency must be positive, got ${delay} ms ± ${jitter} ms`);

  const clear = (n: Node) => shell(n, `tc qdisc del dev ${IFACE} root 2>/dev/null || true`, "removing netem");

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      const problem = targetUnavailable(ctx, target);
      if (problem !== undefined) return problem;
      const probeNode = ctx.cluster.nodes[0];
      if (probeNode === undefined) return "the cluster has no nodes";
      // Probed on loopback so a working netem never delays real traffic, even for the instant of the probe.
      const probe = await probeNode.exec([
        "sh",
        "-c",
        "tc qdisc add dev lo root netem delay 1ms 2>&1 && tc qdisc del dev lo root 2>&1",
      ]);
      return netemProblem(probe.exitCode, probe.stdout + probe.stderr);
    },

    async start(ctx: NemesisContext) {
      const victims = await resolveTargets(ctx, target);
      await onEach(victims, (n) =>
        shell(n, `tc qdisc replace dev ${IFACE} root netem delay ${delay}ms ${jitter}ms`, "adding latency"),
      );
      return { nodes: names(victims), delayMs: delay, jitterMs: jitter };
    },

    async stop(ctx: NemesisContext) {
      const all = everyNode(ctx.cluster);
      await onEach(all, clear);
      return { nodes: names(all) };
    },

    async healAll(ctx: NemesisContext) {
      await onEach(everyNode(ctx.cluster), clear);
    },

    mayRemain() {
      return `a netem qdisc delaying packets on ${IFACE} of ${describeTarget(target)}`;
    },

    describe() {
      return `latency (${delay} ms ± ${jitter} ms on packets sent by ${describeTarget(target)})`;
    },
  };
}

export const latency: NemesisPackage<LatencyOptions> = {
  ...LOOKS,
  planProblem: targetPlanCheck("latency", DEFAULT_TARGET),
  summary: "delay packets with tc netem (refused where the kernel has no sch_netem)",
  create: latencyNemesis,
};

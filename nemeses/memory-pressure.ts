import type { Node } from "../src/core/cluster.js";
import {
  faultLooks,
  type Nemesis,
  type NemesisContext,
  type NemesisPackage,
  type TargetSpec,
} from "../src/nemesis/nemesis.js";
import { dbCommand, onEach } from "../src/nemesis/node-io.js";
import { names, resolveTargets, targetUnavailable } from "../src/nemesis/targeting.js";
import { describeTarget, type TargetOptions, targetPlanCheck } from "../src/nemesis/targets.js";
import { isRedisSize, redisSizeBytes } from "../src/topology/sizes.js";
import { MAXMEMORY_POLICIES } from "../src/topology/spec.js";

const LOOKS = faultLooks("memory-pressure", "memory pressure", "#90c0a0");

/**
 * Shrinks `maxmemory` at run time to what the node already uses (plus an optional headroom), so the next writes
 * either evict keys (with an evicting policy; acknowledged writes evicted this way must show up as lost) or fail
 * with OOM errors (noeviction). The previous settings are restored on heal. A restart of the process also restores
 * them, since CONFIG SET is not written back to the config file.
 */

const DEFAULT_TARGET: TargetSpec = "primary";

export interface MemoryPressureOptions extends TargetOptions {
  /** Bytes above current use that memory-pressure leaves under maxmemory. */
  memoryHeadroomBytes?: number;
  /** maxmemory-policy memory-pressure sets while active (e.g. allkeys-lru to provoke eviction); restored on heal. */
  maxmemoryPolicy?: string;
}

/** `CONFIG GET name` prints the name and the value on two lines. */
export function configValue(reply: string, name: string): string {
  const lines = reply.split("\n").map((l) => l.trim());
  const i = lines.findIndex((l) => l.toLowerCase() === name.toLowerCase());
  const value = i >= 0 ? lines[i + 1] : undefined;
  if (value === undefined)
    throw new Error(`the server does not report ${name} (CONFIG GET answered ${JSON.stringify(reply)})`);
  return value;
}

/** `INFO memory` lines are `field:value`. */
export function infoField(info: string, field: string): string | undefined {
  for (const line of info.split("\n")) {
    const [k, v] = line.trim().split(":", 2);
    if (k === field && v !== undefined) return v.trim();
  }
  return undefined;
}

interface Saved {
  maxmemory: string;
  policy?: string;
}

export function memoryPressureNemesis(opts: MemoryPressureOptions = {}): Nemesis {
  const target: TargetSpec = opts.target ?? DEFAULT_TARGET;
  const headroom = opts.memoryHeadroomBytes ?? 0;
  const policy = opts.maxmemoryPolicy;
  const saved = new Map<Node, Saved>();

  async function restore(node: Node): Promise<void> {
    const s = saved.get(node);
    if (s === undefined) return;
    await dbCommand(node, ["CONFIG", "SET", "maxmemory", s.maxmemory]);
    if (s.policy !== undefined) await dbCommand(node, ["CONFIG", "SET", "maxmemory-policy", s.policy]);
    saved.delete(node);
  }

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      return targetUnavailable(ctx, target);
    },

    async start(ctx: NemesisContext) {
      const victims = await resolveTargets(ctx, target);
      const squeezed = await onEach(victims, async (node) => {
        const before: Saved = {
          maxmemory: configValue(await dbCommand(node, ["CONFIG", "GET", "maxmemory"]), "maxmemory"),
        };
        if (policy !== undefined) {
          before.policy = configValue(await dbCommand(node, ["CONFIG", "GET", "maxmemory-policy"]), "maxmemory-policy");
        }
        const used = Number(infoField(await dbCommand(node, ["INFO", "memory"]), "used_memory"));
        if (!Number.isFinite(used)) throw new Error(`${node.name}: INFO memory reports no used_memory`);
        // A second start keeps the first original, so heal restores what the operator configured.
        if (!saved.has(node)) saved.set(node, before);
        // 0 means "no limit", so the limit is at least one byte.
        const limit = Math.max(1, used + headroom);
        if (policy !== undefined) await dbCommand(node, ["CONFIG", "SET", "maxmemory-policy", policy]);
        await dbCommand(node, ["CONFIG", "SET", "maxmemory", String(limit)]);
        return { node: node.name, usedBytes: used, maxmemory: limit, ...(policy !== undefined ? { policy } : {}) };
      });
      return { nodes: names(victims), squeezed };
    },

    async stop() {
      const nodes = [...saved.keys()];
      await onEach(nodes, restore);
      return { nodes: names(nodes) };
    },

    async healAll() {
      await onEach([...saved.keys()], restore);
    },

    mayRemain() {
      return `a lowered maxmemory${policy === undefined ? "" : ` and maxmemory-policy ${policy}`} on ${describeTarget(target)}`;
    },

    describe() {
      const how = policy === undefined ? "" : `, policy ${policy}`;
      return `memory-pressure (maxmemory = used + ${headroom} bytes on ${describeTarget(target)}${how})`;
    },
  };
}

export const memoryPressure: NemesisPackage<MemoryPressureOptions> = {
  ...LOOKS,
  planProblem: targetPlanCheck("memory-pressure", DEFAULT_TARGET),
  summary: "shrink maxmemory to current use so writes evict or fail with OOM; restore on heal",
  options: [
    {
      flags: "--memory-pressure-policy <policy>",
      description:
        "maxmemory-policy memory-pressure sets while active, e.g. allkeys-lru to make it evict (default: leave the policy)",
      choices: MAXMEMORY_POLICIES,
      parse: (text, problems) => {
        if ((MAXMEMORY_POLICIES as readonly string[]).includes(text as string))
          return { maxmemoryPolicy: text as string };
        problems.push(`--memory-pressure-policy takes one of ${MAXMEMORY_POLICIES.join(", ")} (got "${text}")`);
        return {};
      },
    },
    {
      flags: "--memory-pressure-headroom <size>",
      description: "bytes above current use memory-pressure leaves under maxmemory (default: 0)",
      parse: (text, problems) => {
        if (isRedisSize(text as string)) return { memoryHeadroomBytes: redisSizeBytes(text as string) };
        problems.push(`--memory-pressure-headroom takes a size such as 0, 65536 or 1mb (got "${text}")`);
        return {};
      },
    },
  ],
  create: memoryPressureNemesis,
};

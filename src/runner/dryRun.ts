import { NEMESES } from "../../nemeses/index.js";
import { createWorkload } from "../../workloads/index.js";
import type { Invocation, Workload } from "../../workloads/workload.js";
import { SeededRng } from "../core/rng.js";
import { describeExisting } from "../target/existing.js";
import { configPairs } from "../target/existingConfig.js";
import type { RunPlan } from "./plan.js";

/**
 * What a run on an existing deployment would do, printed by --dry-run without connecting: which keys it would
 * write (logical name -> the key on the server), which commands it would send, what it would remove at the end.
 */
export function dryRunLines(plan: RunPlan): string[] {
  const e = plan.existing!;
  const prefix = e.keyPrefix ?? "splitbrain:<run id>:";
  const out = [
    `dry run: nothing is connected to, written or removed`,
    `target: ${describeExisting(e)}${e.username ? ` as ${e.username}` : ""}${e.tls ? " (TLS)" : ""}`,
    `key prefix: ${prefix}${e.keyPrefix ? "" : " (the run id is made when the run starts)"}`,
    "before the workload, to identify the server (read-only): " +
      (e.kind === "sentinel"
        ? "SENTINEL GET-MASTER-ADDR-BY-NAME, SENTINEL REPLICAS; "
        : e.kind === "cluster"
          ? "CLUSTER NODES, CLUSTER INFO; "
          : "") +
      "ROLE, INFO server, COMMAND INFO wait/waitaof, CONFIG GET of the durability settings (skipped where refused)",
  ];
  for (const name of plan.workloads) {
    const w = createWorkload(name, plan.keys !== undefined ? { keys: plan.keys } : {});
    const rng = new SeededRng(plan.seed >>> 0);
    const keys = new Set<string>();
    for (let i = 0; i < 2000 && keys.size < 50; i++) {
      for (const k of keysOf(w, w.next(0, rng))) keys.add(k);
    }
    for (const inv of w.finalReads()) for (const k of keysOf(w, inv)) keys.add(k);
    const shown = [...keys]
      .sort()
      .slice(0, 8)
      .map((k) => `${prefix}${k}`);
    out.push(`workload ${name}: writes ${shown.join(", ")}${keys.size > shown.length ? ", ..." : ""}`);
    out.push(
      `  sends ${w.commands}${plan.durability.kind !== "primary" ? `, then ${plan.durability.kind.toUpperCase()}` : ""}`,
    );
  }
  if (plan.nemeses.length === 0) out.push("faults: none (--nemesis none)");
  for (const n of plan.nemeses) {
    const o = plan.nemesisOptions as Record<string, unknown>;
    const pkg = NEMESES.get(n);
    out.push(pkg?.dryRun?.(o, plan.nemesisIntervalMs) ?? `fault ${n}: ${pkg?.summary ?? ""}`);
  }
  out.push(
    plan.keep
      ? `at the end: --keep: nothing is removed; the run's keys stay under ${prefix}`
      : `at the end (and on Ctrl-C): SCAN MATCH ${prefix}* + UNLINK on every primary; nothing else is touched`,
  );
  const pairs = configPairs(plan.cluster.settings);
  if (pairs.length) {
    out.push(
      `--allow-config: before the workload, on every data node: CONFIG GET then CONFIG SET ${pairs.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ")}; at the end (and on Ctrl-C) CONFIG SET back to the values read`,
    );
  }
  out.push(
    pairs.length
      ? "never sent: FLUSHALL, FLUSHDB, CONFIG REWRITE, or any command naming another key; DEBUG only where a fault above says so"
      : "never sent: FLUSHALL, FLUSHDB, CONFIG REWRITE, or any command naming another key; CONFIG SET and DEBUG only where a fault above says so",
  );
  return out;
}

function keysOf(w: Workload, inv: Invocation): string[] {
  return w.keysOf ? w.keysOf(inv) : inv.key !== undefined ? [String(inv.key)] : [];
}

import type { TopologyName } from "../src/core/cluster.js";
import { UsageError } from "../src/core/exit.js";
import { PARTITION_CLIENTS_OPTION, PARTITION_OPTION } from "../src/nemesis/grudge.js";
import type { ClusterNeeds, FaultOption, NemesisPackage } from "../src/nemesis/nemesis.js";
import { TARGET_OPTION } from "../src/nemesis/targets.js";
import { clientPause } from "./client-pause.js";
import { config } from "./config.js";
import { debugSleep } from "./debug-sleep.js";
import { diskFill } from "./disk-fill.js";
import { failover } from "./failover.js";
import { hook } from "./hook.js";
import { kill } from "./kill.js";
import { latency } from "./latency.js";
import { memoryPressure } from "./memory-pressure.js";
import { packetLoss } from "./packet-loss.js";
import { partition } from "./partition.js";
import { pause } from "./pause.js";
import { powerLoss } from "./power-loss.js";
import { restart } from "./restart.js";
import { snapshotStorm } from "./snapshot-storm.js";

/** Every fault, in `--help` order. A new fault is one file in nemeses/ and one entry here. */
const PACKAGES = [
  partition,
  kill,
  restart,
  pause,
  diskFill,
  memoryPressure,
  packetLoss,
  latency,
  failover,
  snapshotStorm,
  powerLoss,
  hook,
  clientPause,
  debugSleep,
  config,
] as const;

type OptionsOf<P> = P extends NemesisPackage<infer O> ? O : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/**
 * The plan's fault options (test.json's plan.nemesisOptions): every field is declared by the fault that reads it
 * (or, for fields several faults read, in src/nemesis), and this record is just all of them together.
 */
export type NemesisOptions = Intersection<OptionsOf<(typeof PACKAGES)[number]>>;

/** Every fault by name. */
export const NEMESES: ReadonlyMap<string, NemesisPackage<NemesisOptions>> = new Map(
  PACKAGES.map((p): [string, NemesisPackage<NemesisOptions>] => [p.name, p]),
);

/**
 * Every fault option of the CLI, in `--help` order: the ones several faults read, declared once in src/nemesis, then
 * each fault's own in registry order.
 */
export const FAULT_OPTIONS: readonly FaultOption<NemesisOptions>[] = [
  TARGET_OPTION,
  PARTITION_OPTION,
  PARTITION_CLIENTS_OPTION,
  ...PACKAGES.flatMap((p): readonly FaultOption<NemesisOptions>[] => p.options ?? []),
];

/** What the faults of a run need of the cluster, together; `{}` when none needs anything. */
export function clusterNeeds(names: readonly string[], options: NemesisOptions): ClusterNeeds {
  const out: ClusterNeeds = {};
  for (const name of names) {
    const needs = NEMESES.get(name)?.clusterNeeds?.(options) ?? {};
    // A stricter lazy filesystem only loses more, so the strictest asked for is what every fault gets.
    if (needs.lazyFs) out.lazyFs = { strictMetadata: !!(out.lazyFs?.strictMetadata || needs.lazyFs.strictMetadata) };
  }
  return out;
}

/** For `--help` and the README. */
export const CLOCK_SKEW_NOTE =
  "Clock skew is not offered: containers share the host's kernel clock, so one node's clock cannot be moved " +
  "without moving every node's (and the host's).";

export function nemesisHelp(): string {
  const width = Math.max(...[...NEMESES.keys()].map((n) => n.length));
  return [...NEMESES.values()].map((p) => `  ${p.name.padEnd(width)}  ${p.summary}`).join("\n");
}

/** Faults a run gets without `--nemesis`: the classic partition and crash, where there is anything to cut. */
export function defaultNemeses(topology: TopologyName): string[] {
  return topology === "single" ? ["kill"] : ["partition", "kill"];
}

/** Parses `--nemesis a,b,...`; `none` alone means no faults. Returns packages in the order given. */
export function parseNemesisList(text: string): NemesisPackage[] {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) {
    throw new UsageError("--nemesis is empty", `name one or more of: ${[...NEMESES.keys()].join(", ")}, or none`);
  }
  if (names.includes("none")) {
    if (names.length > 1) throw new UsageError(`--nemesis ${text}: "none" cannot be combined with other faults`);
    return [];
  }
  const seen = new Set<string>();
  return names.map((name) => {
    const p = NEMESES.get(name);
    if (p === undefined) {
      const hint = name === "clock" || name === "clock-skew" ? CLOCK_SKEW_NOTE : undefined;
      throw new UsageError(
        `unknown fault "${name}" in --nemesis`,
        hint ?? `known faults: ${[...NEMESES.keys()].join(", ")}, or none`,
      );
    }
    if (seen.has(name)) throw new UsageError(`--nemesis ${text} names ${name} twice`);
    seen.add(name);
    return p;
  });
}

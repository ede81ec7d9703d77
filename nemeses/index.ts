import { UsageError } from "../src/core/exit.js";
import type { TopologyName } from "../src/core/cluster.js";
import { diskFill } from "./disk-fill.js";
import { failover } from "./failover.js";
import { kill } from "./kill.js";
import { latency } from "./latency.js";
import { memoryPressure } from "./memory-pressure.js";
import type { NemesisPackage } from "../src/nemesis/nemesis.js";
import { packetLoss } from "./packet-loss.js";
import { partition } from "./partition.js";
import { pause } from "./pause.js";
import { powerLoss } from "./power-loss.js";
import { restart } from "./restart.js";
import { snapshotStorm } from "./snapshot-storm.js";

/** Every fault by name. A new fault is one file in nemeses/ and one line here. */
export const NEMESES: ReadonlyMap<string, NemesisPackage> = new Map(
  [partition, kill, restart, pause, diskFill, memoryPressure, packetLoss, latency, failover, snapshotStorm, powerLoss].map(
    (p) => [p.name, p],
  ),
);

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

import type { Command } from "commander";
import { type DbName, labelOf } from "../core/cluster.js";
import type { ClusterSpec, EngineSpecs } from "../topology/spec.js";
import { dragonflyEngine } from "./dragonfly/index.js";
import type { Engine } from "./engine.js";
import type { InfoFields } from "./info.js";
import { redisEngine } from "./redis/index.js";
import { valkeyEngine } from "./valkey/index.js";

/**
 * The engines, by name. Keyed by DbName, so an engine named there and missing here (or the other way round) does not
 * compile. Everything that needs an engine list, a lookup or an engine's fact iterates or asks this table.
 */
export const ENGINES: Readonly<Record<DbName, Engine>> = {
  redis: redisEngine,
  valkey: valkeyEngine,
  dragonfly: dragonflyEngine,
};

export const ENGINE_LIST: readonly Engine[] = Object.values(ENGINES);
export const ENGINE_NAMES: readonly DbName[] = ENGINE_LIST.map((e) => e.name);

export function isEngine(name: string): name is DbName {
  return Object.hasOwn(ENGINES, name);
}

export function engineOf(name: DbName): Engine {
  return ENGINES[name];
}

export { labelOf };

/** "Redis, Valkey and Dragonfly" */
export function engineLabels(): string {
  const labels = ENGINE_LIST.map((e) => e.label);
  return labels.length > 1 ? `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}` : (labels[0] ?? "");
}

/** Who a server is, from INFO: the engine that claims it, else the baseline (Redis). The one identification rule. */
export function identifyServer(info: InfoFields): { engine: DbName; version: string } {
  for (const e of ENGINE_LIST) {
    if (e.baseline) continue;
    const version = e.identify(info);
    if (version !== undefined) return { engine: e.name, version };
  }
  const base = ENGINE_LIST.find((e) => e.baseline)!;
  return { engine: base.name, version: base.identify(info) ?? "unknown" };
}

/** Adds every engine's own options to a command, in registry order. */
export function addEngineOptions(cmd: Command): Command {
  for (const e of ENGINE_LIST) if (e.options) e.options.add(cmd);
  return cmd;
}

/** Each engine's part of the spec from parsed options (ClusterSpec keeps it under the engine's name). */
export function engineSpecsFrom(o: Readonly<Record<string, unknown>>, problems: string[]): EngineSpecs {
  return Object.fromEntries(
    ENGINE_LIST.flatMap((e) => (e.options ? [[e.name, e.options.parse(o, problems)]] : [])),
  ) as unknown as EngineSpecs;
}

export function engineSpecDefaults(): EngineSpecs {
  return Object.fromEntries(
    ENGINE_LIST.flatMap((e) => (e.options ? [[e.name, e.options.defaults()]] : [])),
  ) as unknown as EngineSpecs;
}

/** Problems with engine options as given, whichever engine runs. */
export function engineOptionProblems(spec: ClusterSpec): string[] {
  return ENGINE_LIST.flatMap((e) => e.options?.problems(spec) ?? []);
}

/** What the spec's engine refuses: its own refusals, then any other engine's options it was given. */
export function engineRefusals(spec: ClusterSpec): string[] {
  const engine = ENGINES[spec.db];
  const out = engine.db.refusals(spec);
  for (const other of ENGINE_LIST) {
    if (other === engine || !other.options) continue;
    const given = other.options.given(spec);
    if (given.length)
      out.push(
        `${given.join(", ")} only appl${given.length > 1 ? "y" : "ies"} to --db ${other.name}, not ${engine.label}.`,
      );
  }
  return out;
}

/** The command-line clients the node images carry, each once, in registry order. */
export function cliBinaries(): string[] {
  return [...new Set(ENGINE_LIST.map((e) => e.db.binaries.cli))];
}

/** Servers that take redis.conf-style flags (--port, --save ...), each once. */
export function redisConfServers(): string[] {
  return [...new Set(ENGINE_LIST.filter((e) => e.dialect === "redis.conf").map((e) => e.db.binaries.server))];
}

/** The client that ships beside a process started as `argv0` (a server or Sentinel binary); the baseline's otherwise. */
export function cliBeside(argv0: readonly string[]): string {
  const e = ENGINE_LIST.find((x) => argv0.some((a) => a === x.db.binaries.server || a === x.db.binaries.sentinel));
  return (e ?? ENGINE_LIST.find((x) => x.baseline)!).db.binaries.cli;
}

/** "from Redis 7.2 and in Valkey": where WAITAOF exists, for hints. */
export function waitaofWhere(): string {
  return ENGINE_LIST.filter((e) => e.waitaofSince !== undefined)
    .map((e) => (e.waitaofSince ? `from ${e.label} ${e.waitaofSince}` : `in ${e.label}`))
    .join(" and ");
}

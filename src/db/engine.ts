import type { Command } from "commander";
import type { DbName } from "../core/cluster.js";
import type { NodeImage } from "../image/nodeImage.js";
import type { ClusterSpec } from "../topology/spec.js";
import type { Db } from "./db.js";
import type { InfoFields } from "./info.js";

/**
 * Command-line options only one engine reads. They fill `ClusterSpec[<engine name>]` (declared by the engine's folder
 * on topology's EngineSpecs), so test.json keeps them under the engine's name.
 */
export interface EngineOptions<Part = unknown> {
  /** Adds the engine's options to a command, after the generic cluster options. */
  add(cmd: Command): Command;
  /** commander's parsed options -> the engine's part of the spec; problems are appended. */
  parse(o: Readonly<Record<string, unknown>>, problems: string[]): Part;
  /** The part with nothing given, for specs built in code. */
  defaults(): Part;
  /** Problems with the values as given, whichever engine runs (reported with the generic spec's). */
  problems(spec: ClusterSpec): string[];
  /** The flags of this engine the spec sets, so another engine can refuse them. */
  given(spec: ClusterSpec): string[];
}

/** Everything about one engine; src/db/<engine>/index.ts exports one, src/db/engines.ts lists them. */
export interface Engine {
  readonly name: DbName;
  /** For people: "Redis". */
  readonly label: string;
  /** Config dialect, launches, refusals. */
  readonly db: Db;
  /** How the server takes its settings: a redis.conf (and the same command-line flags), or flags of its own. */
  readonly dialect: "redis.conf" | "flags";
  readonly image: NodeImage;
  /**
   * The version INFO reports when the server is this engine, else undefined. The `baseline` engine claims any
   * server no other engine claims (every fork also reports redis_version).
   */
  identify(info: InfoFields): string | undefined;
  readonly baseline?: true;
  /** Whether min-replicas-to-write exists to bound how long an isolated primary acknowledges writes. */
  readonly minReplicasGuard: boolean;
  /** From which version the engine has WAITAOF ("" for every version), for hints; absent when it has none. */
  readonly waitaofSince?: string;
  readonly options?: EngineOptions;
}

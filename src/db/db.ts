import type { DbName, ExecResult } from "../core/cluster.js";
import type { NodePlan } from "../topology/layout.js";
import type { ClusterSpec } from "../topology/spec.js";
import type { Capabilities } from "./capabilities.js";
import type { SentinelKnown } from "./sentinel.js";

/** A file the tool writes into a node before starting a process; every one is also saved in the run's results. */
export interface ConfigFile {
  /** Absolute path inside the node. */
  path: string;
  contents: string;
  /** Name under results/<run>/nodes/<node>/. */
  saveAs: string;
}

/**
 * How to start one process in a node: the files it needs and its command line. The node runs it detached, in the
 * foreground of a small shell that records its pid and sends its output to the process's log file.
 */
export interface Launch {
  /** "db" or "sentinel": names the log file (/var/log/splitbrain/<process>.log) and the pid file. */
  process: "db" | "sentinel";
  files: ConfigFile[];
  argv: string[];
}

/** What an adapter needs to know about the node it renders for. */
export interface NodeView {
  runId: string;
  plan: NodePlan;
  ip: string;
  /** The address of another node of the run, by name. */
  ipOf(name: string): string;
}

/** Extra container settings an engine needs (kept small: the docker layer owns the rest). */
export interface ContainerNeeds {
  /** e.g. memlock for io_uring; absent means Docker's defaults. */
  ulimits: Array<{ Name: string; Soft: number; Hard: number }>;
  /** What to tell the user when the container runtime refuses these ulimits (which option asked, what to do). */
  refusedHint?: string;
}

/**
 * One database engine. Adapters render configs and flags from a spec (pure) and say what they refuse up front;
 * whether a running server supports a setting or command is asked of that server (see capabilities.ts), never
 * looked up in a version table.
 */
export interface Db {
  readonly name: DbName;
  /** For people: "Redis", "Valkey", "Dragonfly". */
  readonly label: string;
  /** Names on the node's PATH: the server, the command-line client, the Sentinel. */
  readonly binaries: { server: string; cli: string; sentinel: string };
  /** Where configs live in the node (Sentinel rewrites its file, so the directory must be writable). */
  readonly confDir: string;
  /**
   * How a replica learns its primary: written into its config (Redis, Valkey: survives restarts of the process) or
   * sent as REPLICAOF after start (Dragonfly has no such setting, so a restarted replica comes back as a primary).
   */
  readonly replicaOfBy: "config" | "command";
  /** Reasons this engine cannot run the spec at all, each naming the engine and the missing feature. */
  refusals(spec: ClusterSpec): string[];
  serverLaunch(spec: ClusterSpec, node: NodeView): Launch;
  /** `known`: replicas and Sentinels to write into the config, so the Sentinel starts knowing them. */
  sentinelLaunch(
    spec: ClusterSpec,
    node: NodeView,
    primary: { ip: string; port: number },
    known?: SentinelKnown,
  ): Launch;
  containerNeeds(spec: ClusterSpec): ContainerNeeds;
  /** Settings of the spec the running server turned out not to support, from its probed capabilities. */
  capabilityRefusals(spec: ClusterSpec, caps: Capabilities): string[];
  /**
   * Asks a created node, before any server starts, what this runtime allows (Dragonfly: which I/O engine starts).
   * Returns the spec the launches use (the user's spec is not changed) and what was found, for test.json.
   */
  prepare?(
    spec: ClusterSpec,
    runInNode: (cmd: string[]) => Promise<ExecResult>,
  ): Promise<{ spec: ClusterSpec; found: Record<string, unknown> }>;
  /**
   * Settings used only to get the topology healthy sooner, and how to put the engine's own back once it is: config
   * lines to drop from the server's config file (so a restart reads the default) and CONFIG SET pairs for the running
   * server. The database under test then runs with the user's settings and the engine's defaults, nothing of ours.
   */
  setUpOnly?(spec: ClusterSpec): { dropConfLines: string[]; configSet: Array<[string, string]> };
}

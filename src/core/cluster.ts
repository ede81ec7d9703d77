/**
 * The seams between the cluster (Docker, database processes) and everything that drives it: workloads talk to
 * endpoints, nemeses act on nodes, the runner owns the lifecycle. Pure modules import only these types.
 */

/**
 * The engines' names and their labels for people. The engines themselves are folders under src/db, registered in
 * src/db/engines.ts by these names (a Record over DbName, so a name without an engine does not compile). The labels
 * live here so an engine's adapter can name another engine without importing the registry that imports it.
 */
export const ENGINE_LABELS = { redis: "Redis", valkey: "Valkey", dragonfly: "Dragonfly" } as const;
export type DbName = keyof typeof ENGINE_LABELS;

/** For people: "Redis", or the name itself for one this build does not know (a record from elsewhere). */
export function labelOf(name: string): string {
  return Object.hasOwn(ENGINE_LABELS, name) ? ENGINE_LABELS[name as DbName] : name;
}
export type TopologyName = "single" | "replicated" | "sentinel" | "cluster";

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * A node is a long-lived container ("the machine"). The database is a process the tool starts inside it, so the
 * container, its address, its iptables rules and its data survive kills and restarts of that process.
 */
export interface Node {
  /** n1, n2, ... for data nodes; s1, s2, ... for Sentinel-only nodes. */
  readonly name: string;
  readonly kind: "data" | "sentinel";
  /** The container's address on the run's private network. */
  readonly ip: string;
  /** The database port (or the Sentinel port on a Sentinel-only node). */
  readonly port: number;
  readonly containerId: string;
  /** Where the database keeps its files inside the container (a size-limited tmpfs). */
  readonly dataDir: string;

  /** Runs a command in the container. Never throws for a non-zero exit: callers check `exitCode`. */
  exec(cmd: string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Starts the database process (and the co-located Sentinel, if any) and waits until it accepts connections. */
  startDb(): Promise<void>;
  /** Sends a signal to the database process: SIGKILL/SIGTERM to stop, SIGSTOP/SIGCONT to pause and resume. */
  signalDb(signal: "SIGKILL" | "SIGTERM" | "SIGSTOP" | "SIGCONT"): Promise<void>;
  /** True while the database process exists (paused counts as running). */
  dbRunning(): Promise<boolean>;
  /** The database's log file, for reports and for errors when health checks time out. */
  dbLog(tailLines?: number): Promise<string>;
}

/**
 * Container address "ip:port" -> where the runner dials it when ports are published on the Docker host
 * (`--client-mode published`): the node's published port on loopback or on the remote engine's host.
 */
export type AddressMap = Record<string, { host: string; port: number }>;

/**
 * How a client reaches the database: the runner builds ioredis clients from this. Addresses are always container
 * addresses (what the servers announce); `addressMap`, when present, says where each is dialled instead.
 */
export type Endpoints = (
  | { kind: "single"; host: string; port: number; node: string }
  | { kind: "sentinel"; sentinels: Array<{ host: string; port: number }>; masterName: string }
  | { kind: "cluster"; seeds: Array<{ host: string; port: number }> }
) & { addressMap?: AddressMap; auth?: ConnectionAuth };

/** TLS for a connection: file contents, read once when the plan is opened (never written to the run directory). */
export interface TlsSettings {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
}

/**
 * How an existing deployment wants to be spoken to: ACL user, password, database number, TLS; for Sentinel also
 * the Sentinels' own. Held in memory only: nothing that writes test.json, logs or reports reads it.
 */
export interface ConnectionAuth {
  username?: string;
  password?: string;
  db?: number;
  tls?: TlsSettings;
  sentinel?: { username?: string; password?: string; tls?: TlsSettings };
}

export interface Cluster {
  readonly runId: string;
  readonly db: DbName;
  readonly topology: TopologyName;
  /** Data nodes, in name order. */
  readonly nodes: readonly Node[];
  /** Sentinel-only nodes (empty when Sentinels are co-located or absent). */
  readonly sentinels: readonly Node[];
  readonly endpoints: Endpoints;
  /** The primary now, asked of Sentinel / CLUSTER NODES / ROLE at call time; undefined if none answers. */
  primary(): Promise<Node | undefined>;
  /** Primaries of every shard (one element except in cluster topology). */
  primaries(): Promise<Node[]>;
  /** Which node owns an address (for recording `node` on ops); a published address counts as its container's. */
  nodeByAddress(host: string, port: number): Node | undefined;
  /**
   * The source address each node (by name) saw on a connection from the test runner, measured after start. What
   * `--partition-clients` drops: it differs by client mode and platform (bridge gateway, a port forwarder).
   */
  readonly runnerSeenAs?: Readonly<Record<string, string>>;
  /** The name the user gave the target (`--endpoint name=...`, a compare label); hooks get it as SPLITBRAIN_TARGET. */
  readonly name?: string;
}

/**
 * What a target lets a run do beyond reaching it by address. Faults ask this before they are scheduled: a cluster
 * the run started in Docker allows everything; an existing deployment, only reached, may allow none of it.
 */
export interface TargetAllows {
  /** Node's exec, signals and iptables work: faults may act inside the nodes. */
  readonly nodeControl: boolean;
  /** Each node's memory can be sampled during the workload (Docker's stats of its container). */
  readonly resourceStats: boolean;
}

/**
 * What a run tests, as the runner sees it: a cluster it started in Docker today, an existing deployment it only
 * reaches (--endpoint / --sentinel / --cluster) later. The runner opens one through a factory and from then on uses
 * only this: discovery through `cluster`, node control through its nodes where `allows` says so, the record for
 * test.json, the health wait after faults, and teardown.
 */
export interface Target {
  /** Which kind of target this is ("docker" for a cluster this run started). */
  readonly kind: string;
  /** Discovery: where clients connect, the nodes, who is primary now. */
  readonly cluster: Cluster;
  readonly allows: TargetAllows;
  /**
   * Put before every key the run's clients send, so a run on a deployment it does not own touches only its own
   * keys; absent for a cluster the run started (keys as they are).
   */
  readonly keyPrefix?: string;
  /**
   * Sends one command to a node of the target with the target's own credentials and TLS (a Sentinel's when `sentinel`):
   * how faults by command (failover) reach a deployment they cannot exec into. Absent where node control serves.
   */
  command?(
    host: string,
    port: number,
    args: string[],
    opts?: { sentinel?: boolean; timeoutMs?: number },
  ): Promise<unknown>;
  /** Every node, data nodes first (what test.json lists and stats are sampled from). */
  readonly allNodes: readonly Node[];
  /** test.json's `cluster` section: nodes, what the servers said they can do, set-up timings, how clients reach them. */
  record(): Record<string, unknown>;
  /** Waits until the target is healthy again (after faults are healed, before final reads). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Ends the run's use of the target: collects what explains the run into the run directory, then removes what the
   * run made (with keep: leaves it up and says how to reach it).
   */
  teardown(opts: { keep: boolean }): Promise<void>;
}

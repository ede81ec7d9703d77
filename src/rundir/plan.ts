import type { NemesisOptions } from "../../nemeses/index.js";
import type { WorkloadOptions } from "../../workloads/workload.js";
import type { Durability } from "../client/durability.js";
import type { ClientModeChoice } from "../client/reach.js";
import type { ScheduleMode } from "../nemesis/schedule.js";
import type { ClusterSpec } from "../topology/spec.js";

/**
 * A run plan: everything that decides what a run does, resolved and validated before any container starts. It is
 * written to test.json as is, so a run can be reproduced (and compared) from its own directory.
 */
export interface RunPlan {
  cluster: ClusterSpec;
  workloads: string[];
  /** Workload of each client slot (slot = process mod concurrency). */
  slots: string[];
  keys: number | undefined;
  /** `--txn`: how list-append transactions run; absent means MULTI/EXEC. */
  txn?: "multi" | "lua";
  concurrency: number;
  /** Per-client op rate limit (ops/s); undefined = as fast as the database answers. */
  rate: number | undefined;
  timeLimitMs: number;
  recoveryMs: number;
  opTimeoutMs: number;
  durability: Durability;
  nemeses: string[];
  nemesisIntervalMs: number;
  nemesisMode: ScheduleMode;
  nemesisOptions: NemesisOptions;
  seed: number;
  resultsRoot: string;
  keep: boolean;
  /** How the linearizability search is bounded. */
  checkTimeoutMs: number | undefined;
  /** How clients reach nodes (`--client-mode`); absent means auto. The mode auto chose is in test.json's cluster. */
  clientMode?: ClientModeChoice;
  /**
   * An existing deployment reached by --endpoint / --sentinel / --cluster instead of a cluster started in Docker.
   * Addresses and names only: credentials and TLS material never enter the plan (it is written to test.json).
   */
  existing?: ExistingPlan;
}

export interface ExistingPlan {
  kind: "single" | "sentinel" | "cluster";
  /** --endpoint's server, --sentinel's Sentinels or --cluster's seeds. */
  addresses: Array<{ host: string; port: number }>;
  /** --endpoint as given, its password replaced by "***". */
  endpoint?: string;
  masterName?: string;
  username?: string;
  sentinelUsername?: string;
  /** Whether a password was given (never which). */
  passwordGiven?: boolean;
  db?: number;
  tls: boolean;
  sentinelTls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsServername?: string;
  /** --key-prefix; absent: derived from the run id. */
  keyPrefix?: string;
  dryRun: boolean;
  /** The deployment's name (`--endpoint name=redis://...`; compare's label), given to hooks as SPLITBRAIN_TARGET. */
  name?: string;
  /** --allow-config: the settings under test may be set by CONFIG SET (and are restored after the run). */
  allowConfig?: boolean;
}

/** What a plan tells its workloads (the same for the run and for re-checking its directory). */
export function workloadOptionsOf(plan: Pick<RunPlan, "keys" | "txn">): WorkloadOptions {
  return {
    ...(plan.keys !== undefined ? { keys: plan.keys } : {}),
    ...(plan.txn !== undefined ? { txn: plan.txn } : {}),
  };
}

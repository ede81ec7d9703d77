import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { withAdminConnection } from "../client/admin.js";
import type { ConnectionAuth } from "../core/cluster.js";
import { UsageError } from "../core/exit.js";
import type { DurabilitySettings } from "../topology/spec.js";

/**
 * The settings under test on a deployment splitbrain did not start. There is no config file to write: with the
 * user's consent (--allow-config) each is set by CONFIG SET on every data node before the workload and set back to
 * the value it had when the run ends, also on Ctrl-C. Never CONFIG REWRITE: nothing reaches the server's own config
 * file, so a node restarted mid-run comes back with its own settings (what was in force is re-read at the end).
 */

type Address = { host: string; port: number };

/** Run options (as --matrix and --against name them) that only the server can change, and their directive. */
export const SERVER_SIDE_OPTIONS: Readonly<Record<string, string>> = {
  appendonly: "appendonly",
  appendfsync: "appendfsync",
  save: "save",
  "min-replicas-to-write": "min-replicas-to-write",
  "min-replicas-max-lag": "min-replicas-max-lag",
  maxmemory: "maxmemory",
  "maxmemory-policy": "maxmemory-policy",
  "repl-backlog-size": "repl-backlog-size",
  "redis-conf": "(any directive)",
};

/** Options that describe a cluster to start (its shape, its containers): nothing a run can change on an existing one. */
const SHAPE_OPTIONS: ReadonlyArray<[attr: string, flag: string]> = [
  ["replicas", "--replicas"],
  ["sentinels", "--sentinels"],
  ["sentinelsColocated", "--sentinels-colocated"],
  ["quorum", "--quorum"],
  ["downAfterMs", "--down-after-ms"],
  ["failoverTimeoutMs", "--failover-timeout-ms"],
  ["clusterNodeTimeout", "--cluster-node-timeout"],
  ["dataSize", "--data-size"],
  ["memoryLimit", "--memory-limit"],
  ["image", "--image"],
];

/** The CONFIG SET pairs a plan's settings ask for, in the order a config file would list them. */
export function configPairs(s: DurabilitySettings): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (s.appendonly !== undefined) out.push(["appendonly", s.appendonly ? "yes" : "no"]);
  if (s.appendfsync !== undefined) out.push(["appendfsync", s.appendfsync]);
  if (s.save !== undefined) out.push(["save", s.save.trim().split(/\s+/).filter(Boolean).join(" ")]);
  if (s.minReplicasToWrite !== undefined) out.push(["min-replicas-to-write", String(s.minReplicasToWrite)]);
  if (s.minReplicasMaxLag !== undefined) out.push(["min-replicas-max-lag", String(s.minReplicasMaxLag)]);
  if (s.maxmemory !== undefined) out.push(["maxmemory", s.maxmemory]);
  if (s.maxmemoryPolicy !== undefined) out.push(["maxmemory-policy", s.maxmemoryPolicy]);
  if (s.replBacklogSize !== undefined) out.push(["repl-backlog-size", s.replBacklogSize]);
  out.push(...s.extra);
  return out;
}

/**
 * What an existing deployment's plan may not ask: its shape (it has one), and settings under test without
 * --allow-config (they would have to be changed on the user's servers, which needs their word).
 */
export function existingSettingsProblems(
  options: Record<string, unknown>,
  settings: DurabilitySettings,
  allowConfig: boolean,
): string[] {
  const out: string[] = [];
  const shape = SHAPE_OPTIONS.filter(([attr]) => options[attr] !== undefined && options[attr] !== false).map(
    ([, flag]) => flag,
  );
  if (shape.length)
    out.push(
      `${shape.join(", ")} describe${shape.length === 1 ? "s" : ""} a cluster for splitbrain to start; an existing deployment has its own shape`,
    );
  const pairs = configPairs(settings);
  if (pairs.length && !allowConfig)
    out.push(
      `${pairs.map(([k]) => `--${k}`).join(", ")} would change the server's settings (CONFIG SET on every data node): give --allow-config to let the run set ${pairs.length === 1 ? "it" : "them"} and restore the originals afterwards, or drop ${pairs.length === 1 ? "it" : "them"} to test the deployment as it is`,
    );
  return out;
}

function firstLine(err: unknown): string {
  return (err as Error).message?.split("\n")[0] || String(err);
}

const TIMEOUT_MS = 5000;

/** CONFIG GET one directive: its value, or the server's refusal as an Error. */
async function configGet(addr: Address, auth: ConnectionAuth, key: string): Promise<string> {
  const reply = await withAdminConnection(addr.host, addr.port, TIMEOUT_MS, (c) => c.call("CONFIG", "GET", key), auth);
  if (!Array.isArray(reply) || reply.length < 2) throw new Error(`the server has no setting "${key}"`);
  return String(reply[1]);
}

async function configSet(addr: Address, auth: ConnectionAuth, key: string, value: string): Promise<void> {
  await withAdminConnection(addr.host, addr.port, TIMEOUT_MS, (c) => c.call("CONFIG", "SET", key, value), auth);
}

/** Per node ("host:port"), per directive: a value. */
type Values = Record<string, Record<string, string>>;

/**
 * The settings a run changes on an existing deployment, from the check before the run to the restore after it.
 * `check` reads every original and sets each back to itself (CONFIG SET's permission, asked without changing
 * anything); `apply` sets the run's values; `restore` sets the originals back, whatever happened in between, and
 * says in config.json what it did.
 */
export class ConfigChange {
  private originals: Values = {};
  private applied: Values = {};
  private restored = false;

  constructor(
    private readonly nodes: readonly Address[],
    private readonly auth: ConnectionAuth,
    readonly pairs: ReadonlyArray<[string, string]>,
  ) {}

  private static id(a: Address): string {
    return `${a.host}:${a.port}`;
  }

  /** Before the run directory exists: a refusal here (ACL, a managed service, a setting the server lacks) is exit 3. */
  async check(): Promise<void> {
    for (const node of this.nodes) {
      const id = ConfigChange.id(node);
      const originals: Record<string, string> = {};
      for (const [key] of this.pairs) {
        try {
          originals[key] = await configGet(node, this.auth, key);
        } catch (err) {
          throw refusal(`CONFIG GET ${key}`, id, err);
        }
        try {
          await configSet(node, this.auth, key, originals[key]!);
        } catch (err) {
          throw refusal(`CONFIG SET ${key}`, id, err);
        }
      }
      this.originals[id] = originals;
    }
  }

  /** Sets the run's values on every node; on a refusal, undoes what was set and throws the server's reason. */
  async apply(log: (line: string) => void, resultsDir?: string): Promise<void> {
    for (const node of this.nodes) {
      const id = ConfigChange.id(node);
      for (const [key, value] of this.pairs) {
        try {
          await configSet(node, this.auth, key, value);
        } catch (err) {
          await this.restore(log, resultsDir);
          throw refusal(`CONFIG SET ${key} ${JSON.stringify(value)}`, id, err);
        }
        (this.applied[id] ??= {})[key] = value;
      }
    }
    log(
      `CONFIG SET on ${this.nodes.length} data node(s): ${this.pairs.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ")} (restored at the end)`,
    );
  }

  /**
   * Sets every original back on every node the run changed, once. What was in force just before (a node restarted
   * by a hook has its own file's value again) is read first and kept, so the record says whether the run's values
   * held until the end. Never throws: a node it cannot reach is listed with the value to set by hand.
   */
  async restore(log: (line: string) => void, resultsDir?: string): Promise<void> {
    if (this.restored) return;
    this.restored = true;
    const atEnd: Values = {};
    const errors: string[] = [];
    for (const node of this.nodes) {
      const id = ConfigChange.id(node);
      const applied = this.applied[id];
      if (!applied) continue;
      for (const key of Object.keys(applied)) {
        const original = this.originals[id]?.[key];
        if (original === undefined) continue;
        try {
          (atEnd[id] ??= {})[key] = await configGet(node, this.auth, key);
        } catch {
          // Only for the record; the restore below is what matters.
        }
        try {
          await configSet(node, this.auth, key, original);
        } catch (err) {
          errors.push(`${id}: CONFIG SET ${key} ${JSON.stringify(original)} failed: ${firstLine(err)}`);
        }
      }
    }
    if (resultsDir !== undefined)
      writeFileSync(
        join(resultsDir, "config.json"),
        `${JSON.stringify({ set: this.applied, originals: this.originals, beforeRestore: atEnd, ...(errors.length ? { errors } : {}) }, null, 2)}\n`,
      );
    if (Object.keys(this.applied).length === 0) return;
    if (errors.length) log(`could not restore every setting (set them by hand): ${errors.join("; ")}`);
    else log(`restored the original settings on ${Object.keys(this.applied).length} data node(s)`);
  }

  record(): Record<string, unknown> {
    return { set: Object.fromEntries(this.pairs), originals: this.originals };
  }
}

function refusal(what: string, node: string, err: unknown): UsageError {
  return new UsageError(
    `--allow-config: ${node} refuses ${what}: ${firstLine(err)}`,
    "the ACL user needs +config|get and +config|set (a managed service may forbid CONFIG altogether); drop the server-side settings to test the deployment as it is",
  );
}

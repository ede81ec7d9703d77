import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { withAdminConnection } from "../client/admin.js";
import type {
  Cluster,
  ConnectionAuth,
  DbName,
  Endpoints,
  Node,
  Target,
  TargetAllows,
  TopologyName,
} from "../core/cluster.js";
import { UsageError } from "../core/exit.js";
import { type Capabilities, probeCapabilities } from "../db/capabilities.js";
import { parseClusterNodes, parseInfo, parseRole, parseSentinelEntries } from "../db/info.js";
import { onTeardown } from "../docker/cleanup.js";
import type { ExistingPlan, RunPlan } from "../rundir/plan.js";
import { ConfigChange, configPairs } from "./existingConfig.js";
import { authOf, keyPrefixFor } from "./existingOptions.js";
import type { OpenOptions, PreparedTarget, TargetKind } from "./target.js";

type Address = { host: string; port: number };

const ADMIN_TIMEOUT_MS = 5000;
/** Settings read from the server for test.json, where CONFIG GET is allowed. */
const SETTINGS = [
  "appendonly",
  "appendfsync",
  "save",
  "min-replicas-to-write",
  "min-replicas-max-lag",
  "maxmemory",
  "maxmemory-policy",
  "cluster-node-timeout",
] as const;

/**
 * A deployment this run did not start and does not own: reached by --endpoint, --sentinel or --cluster. Nothing is
 * started; who the server is, its role and settings are asked of it. Faults may not act inside its nodes (no Docker
 * node control), and the run removes what it wrote (the keys under its prefix), never anything else.
 */
export const existingTarget: TargetKind = {
  name: "existing",
  serves: (plan) => plan.existing !== undefined,
  async prepare(plan: RunPlan): Promise<PreparedTarget> {
    const existing = plan.existing!;
    const auth = authOf(existing);
    if (auth === undefined)
      throw new UsageError(
        "this plan names an existing deployment but carries no connection settings (a plan read back from a file)",
        "give --endpoint, --sentinel or --cluster on the command line",
      );
    const discovered = await discover(existing, auth);
    const server = await identify(discovered.primary, auth);
    const pairs = configPairs(plan.cluster.settings);
    const config = pairs.length ? new ConfigChange(discovered.data, auth, pairs) : undefined;
    await config?.check();
    return {
      opening: `reach existing deployment (${describeExisting(existing)})`,
      db: server.capabilities.engine,
      open: async (opts: OpenOptions) => {
        const target = new ExistingTarget(
          existing,
          auth,
          discovered,
          server,
          keyPrefixFor(existing, opts.runId),
          opts,
          plan.keep,
          config,
        );
        await config?.apply(opts.log, opts.resultsDir);
        opts.log(
          `${server.capabilities.engine} ${server.capabilities.version}, ${existing.kind}: ${target.cluster.nodes.length} data node(s); keys under "${target.keyPrefix}"`,
        );
        return target;
      },
    };
  },
};

export function describeExisting(e: ExistingPlan): string {
  const where = e.endpoint ?? e.addresses.map((a) => `${a.host}:${a.port}`).join(",");
  return `${e.kind === "single" ? "--endpoint" : `--${e.kind}`} ${where}${e.masterName ? ` --master-name ${e.masterName}` : ""}`;
}

interface Discovered {
  topology: TopologyName;
  primary: Address;
  data: Array<Address & { role: string }>;
  sentinels: Address[];
}

function sentinelAuth(auth: ConnectionAuth): ConnectionAuth {
  const s = auth.sentinel ?? {};
  return {
    ...(s.username !== undefined ? { username: s.username } : {}),
    ...(s.password !== undefined ? { password: s.password } : {}),
    ...(s.tls ? { tls: s.tls } : {}),
  };
}

/** A data node's auth without the database number (Sentinels and Cluster have none). */
function call(addr: Address, auth: ConnectionAuth, args: string[], timeoutMs = ADMIN_TIMEOUT_MS): Promise<unknown> {
  const [cmd, ...rest] = args;
  return withAdminConnection(addr.host, addr.port, timeoutMs, (c) => c.call(cmd!, ...rest), auth);
}

/**
 * Discovery's calls, again after a transient failure (a TLS handshake slower than the timeout on a loaded machine
 * closes the connection under the command): a wrong password or an unknown master is answered at once, never retried.
 */
async function patiently<T>(attempt: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= tries || !/Connection is closed|ETIMEDOUT|ECONNRESET|ECONNREFUSED|timed out/i.test(reason(err)))
        throw err;
      await new Promise((r) => setTimeout(r, 500 * i));
    }
  }
}

function reason(err: unknown): string {
  return (err as Error).message?.split("\n")[0] || String(err);
}

async function discover(e: ExistingPlan, auth: ConnectionAuth): Promise<Discovered> {
  const where = describeExisting(e);
  const hint =
    "check the address, that this machine can reach it, and the user/password/TLS options" +
    (auth.tls && !auth.tls.cert
      ? "; a server that requires client certificates (tls-auth-clients yes) closes the connection without one: give --tls-cert and --tls-key"
      : "");
  if (e.kind === "single") {
    const addr = e.addresses[0]!;
    const role = parseRole(await patiently(() => call(addr, auth, ["ROLE"])).catch(cannotReach(where, hint)));
    if (role?.role === "slave")
      throw new UsageError(
        `${where} is a replica (of ${role.primaryHost}:${role.primaryPort}): writes would all be refused`,
        "point --endpoint at the primary, or use --sentinel for a Sentinel group",
      );
    return { topology: "single", primary: addr, data: [{ ...addr, role: "master" }], sentinels: [] };
  }
  if (e.kind === "sentinel") {
    const sAuth = sentinelAuth(auth);
    const errors: string[] = [];
    for (const s of e.addresses) {
      try {
        const reply = (await patiently(() =>
          call(s, sAuth, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", e.masterName!]),
        )) as unknown;
        if (!Array.isArray(reply) || reply.length < 2) {
          errors.push(`${s.host}:${s.port} knows no master named "${e.masterName}"`);
          continue;
        }
        const primary = { host: String(reply[0]), port: Number(reply[1]) };
        const replicas = parseSentinelEntries(await call(s, sAuth, ["SENTINEL", "REPLICAS", e.masterName!]))
          .filter((r) => r.ip && r.port && !/s_down|o_down|disconnected/.test(r.flags ?? ""))
          .map((r) => ({ host: r.ip!, port: Number(r.port), role: "slave" }));
        return {
          topology: "sentinel",
          primary,
          data: [{ ...primary, role: "master" }, ...replicas],
          sentinels: e.addresses,
        };
      } catch (err) {
        errors.push(`${s.host}:${s.port}: ${reason(err)}`);
      }
    }
    throw new UsageError(`no Sentinel of ${where} named the primary: ${errors.join("; ")}`, hint);
  }
  const errors: string[] = [];
  for (const seed of e.addresses) {
    try {
      const entries = parseClusterNodes(String(await patiently(() => call(seed, auth, ["CLUSTER", "NODES"]))));
      const primaries = entries.filter((x) => x.isPrimary && !x.failed && x.slots.length > 0);
      if (!primaries.length) {
        errors.push(`${seed.host}:${seed.port} lists no primary serving slots`);
        continue;
      }
      return {
        topology: "cluster",
        primary: { host: primaries[0]!.ip, port: primaries[0]!.port },
        data: entries
          .filter((x) => !x.failed)
          .map((x) => ({ host: x.ip, port: x.port, role: x.isPrimary ? "master" : "slave" })),
        sentinels: [],
      };
    } catch (err) {
      errors.push(`${seed.host}:${seed.port}: ${reason(err)}`);
    }
  }
  throw new UsageError(`no seed of ${where} answered CLUSTER NODES: ${errors.join("; ")}`, hint);
}

function cannotReach(where: string, hint: string): (err: unknown) => never {
  return (err) => {
    const why = reason(err);
    // OpenSSL's own line for a TLS alert is long and cryptic; the two a client certificate causes get plain words.
    const alert = /alert (certificate required|bad certificate|unknown ca|certificate unknown)/i.exec(why)?.[1];
    if (alert?.toLowerCase() === "certificate required")
      throw new UsageError(
        `cannot reach ${where}: the server requires a client certificate (TLS alert "certificate required")`,
        "give --tls-cert <file> and --tls-key <file>: a client certificate signed by a CA the server trusts",
      );
    if (alert)
      throw new UsageError(
        `cannot reach ${where}: the server refused the client certificate (TLS alert "${alert}")`,
        "give a --tls-cert signed by a CA in the server's tls-ca-cert-file, with its --tls-key",
      );
    throw new UsageError(`cannot reach ${where}: ${why}`, hint);
  };
}

interface ServerFacts {
  capabilities: Capabilities;
  role: string;
  /** Settings CONFIG GET returned; a setting it refused (ACL, a managed service) is absent, and listed in `hidden`. */
  settings: Record<string, string>;
  hidden: string[];
}

async function identify(primary: Address, auth: ConnectionAuth): Promise<ServerFacts> {
  return patiently(() => identifyOnce(primary, auth));
}

async function identifyOnce(primary: Address, auth: ConnectionAuth): Promise<ServerFacts> {
  return withAdminConnection(
    primary.host,
    primary.port,
    ADMIN_TIMEOUT_MS,
    async (c: Redis) => {
      const ask = (command: string, ...args: string[]) => c.call(command, ...args);
      const capabilities = await probeCapabilities(ask, SETTINGS);
      const role = parseRole(await c.call("ROLE").catch(() => undefined))?.role ?? "unknown";
      const settings: Record<string, string> = {};
      const hidden: string[] = [];
      for (const key of SETTINGS) {
        const reply = await c.call("CONFIG", "GET", key).catch(() => undefined);
        if (Array.isArray(reply) && reply.length >= 2) settings[key] = String(reply[1]);
        else hidden.push(key);
      }
      return { capabilities, role, settings, hidden };
    },
    auth,
  ).catch((err: unknown) => {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `cannot ask ${primary.host}:${primary.port} who it is: ${reason(err)}`,
      "check the user/password/TLS options and that the ACL user may run INFO",
    );
  });
}

/** A node of a deployment this run does not control: an address and a name, nothing to exec or signal. */
function remoteNode(name: string, kind: Node["kind"], addr: Address): Node {
  const refuse = async (): Promise<never> => {
    throw new Error(`${name} (${addr.host}:${addr.port}) belongs to an existing deployment: no node control`);
  };
  return {
    name,
    kind,
    ip: addr.host,
    port: addr.port,
    containerId: "",
    dataDir: "",
    exec: refuse,
    startDb: refuse,
    signalDb: refuse,
    dbRunning: refuse,
    dbLog: async () => "",
  };
}

export class ExistingTarget implements Target {
  readonly kind = "existing";
  readonly allows: TargetAllows = { nodeControl: false, resourceStats: false };
  readonly cluster: Cluster;
  private readonly unregister: () => void;
  private tearingDown?: Promise<void>;

  constructor(
    private readonly existing: ExistingPlan,
    private readonly auth: ConnectionAuth,
    private readonly found: Discovered,
    private readonly server: ServerFacts,
    readonly keyPrefix: string,
    private readonly opts: OpenOptions,
    keep: boolean,
    private readonly config?: ConfigChange,
  ) {
    const nodes = found.data.map((a, i) => remoteNode(`n${i + 1}`, "data", a));
    const sentinels = found.sentinels.map((a, i) => remoteNode(`s${i + 1}`, "sentinel", a));
    const byAddr = (host: string, port: number) =>
      [...nodes, ...sentinels].find((n) => n.ip === host && n.port === port);
    const endpoints: Endpoints =
      existing.kind === "single"
        ? { kind: "single", host: found.primary.host, port: found.primary.port, node: "n1", auth }
        : existing.kind === "sentinel"
          ? { kind: "sentinel", sentinels: found.sentinels, masterName: existing.masterName!, auth }
          : { kind: "cluster", seeds: existing.addresses, auth };
    const primaries = async (): Promise<Node[]> => {
      const addrs = await this.primaryAddresses();
      return addrs.map((a) => byAddr(a.host, a.port)).filter((n): n is Node => n !== undefined);
    };
    this.cluster = {
      runId: opts.runId,
      db: server.capabilities.engine as DbName,
      topology: found.topology,
      nodes,
      sentinels,
      endpoints,
      primary: async () => (await primaries().catch(() => []))[0],
      primaries: () => primaries().catch(() => []),
      nodeByAddress: byAddr,
      ...(existing.name !== undefined ? { name: existing.name } : {}),
    };
    // A second Ctrl-C skips the orderly teardown: the run's keys still go.
    this.unregister = onTeardown(`remove the keys of run ${opts.runId} from ${describeExisting(existing)}`, () =>
      this.teardown({ keep }),
    );
  }

  get allNodes(): readonly Node[] {
    return [...this.cluster.nodes, ...this.cluster.sentinels];
  }

  command(
    host: string,
    port: number,
    args: string[],
    opts: { sentinel?: boolean; timeoutMs?: number } = {},
  ): Promise<unknown> {
    return call({ host, port }, opts.sentinel ? sentinelAuth(this.auth) : this.auth, args, opts.timeoutMs ?? 10_000);
  }

  /** Where writes go now: the endpoint, the primary Sentinel names, or every primary serving slots. */
  async primaryAddresses(): Promise<Address[]> {
    const e = this.existing;
    if (e.kind === "single") return [this.found.primary];
    if (e.kind === "sentinel") {
      for (const s of this.found.sentinels) {
        const reply = await call(s, sentinelAuth(this.auth), [
          "SENTINEL",
          "GET-MASTER-ADDR-BY-NAME",
          e.masterName!,
        ]).catch(() => undefined);
        if (Array.isArray(reply) && reply.length >= 2) return [{ host: String(reply[0]), port: Number(reply[1]) }];
      }
      throw new Error("no Sentinel named the primary");
    }
    for (const seed of [...e.addresses, ...this.found.data]) {
      const text = await call(seed, this.auth, ["CLUSTER", "NODES"]).catch(() => undefined);
      if (typeof text !== "string") continue;
      return parseClusterNodes(text)
        .filter((x) => x.isPrimary && !x.failed && x.slots.length > 0)
        .map((x) => ({ host: x.ip, port: x.port }));
    }
    throw new Error("no node answered CLUSTER NODES");
  }

  record(): Record<string, unknown> {
    const e = this.existing;
    return {
      existing: {
        kind: e.kind,
        ...(e.endpoint ? { endpoint: e.endpoint } : { addresses: e.addresses }),
        ...(e.masterName ? { masterName: e.masterName } : {}),
        ...(e.username ? { username: e.username } : {}),
        passwordGiven: !!e.passwordGiven,
        tls: e.tls,
        keyPrefix: this.keyPrefix,
        server: {
          engine: this.server.capabilities.engine,
          version: this.server.capabilities.version,
          role: this.server.role,
        },
        settings: this.server.settings,
        ...(this.server.hidden.length ? { settingsNotReadable: this.server.hidden } : {}),
        ...(this.config ? { configSet: this.config.record() } : {}),
        ...(e.name !== undefined ? { name: e.name } : {}),
      },
      nodes: this.allNodes.map((n) => ({
        name: n.name,
        kind: n.kind,
        ip: n.ip,
        port: n.port,
        ...(n.kind === "data" ? { role: this.found.data.find((d) => d.host === n.ip && d.port === n.port)?.role } : {}),
      })),
      // Keyed by node as for a cluster splitbrain started (what compare's "server" line reads): the primary asked.
      capabilities: { [this.primaryName()]: this.server.capabilities },
      client: { mode: "direct", note: "existing deployment: the runner dials the addresses given and announced" },
    };
  }

  private primaryName(): string {
    const p = this.found.primary;
    return this.cluster.nodes.find((n) => n.ip === p.host && n.port === p.port)?.name ?? "n1";
  }

  /** Healthy again: the primary (each primary, in Cluster) answers PING, and Cluster says its state is ok. */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      try {
        const primaries = await this.primaryAddresses();
        for (const p of primaries) {
          const role = parseRole(await call(p, this.auth, ["ROLE"]));
          if (role?.role !== "master") throw new Error(`${p.host}:${p.port} is not a primary yet`);
          if (this.existing.kind === "cluster") {
            const info = parseInfo(String(await call(p, this.auth, ["CLUSTER", "INFO"])));
            if (info.cluster_state !== "ok")
              throw new Error(`cluster_state ${info.cluster_state} on ${p.host}:${p.port}`);
          }
        }
        return;
      } catch (err) {
        last = reason(err);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`not healthy after ${timeoutMs / 1000}s: ${last}`);
  }

  /**
   * Removes every key under the run's prefix from every primary (SCAN MATCH + UNLINK, one key per UNLINK so Cluster
   * never sees keys of two slots in one command); with keep, leaves them and says how to remove them later. What
   * was removed, or why not, goes to cleanup.json in the run directory.
   */
  teardown(opts: { keep: boolean }): Promise<void> {
    // One teardown, however often asked: a Ctrl-C during the orderly one waits for it rather than exiting under it,
    // so the interrupt hook stays registered until the settings are restored and the keys removed.
    this.tearingDown ??= this.tearDownOnce(opts).finally(() => this.unregister());
    return this.tearingDown;
  }

  private async tearDownOnce(opts: { keep: boolean }): Promise<void> {
    await this.config?.restore(this.opts.log, this.opts.resultsDir);
    const file = join(this.opts.resultsDir, "cleanup.json");
    const pattern = `${this.keyPrefix}*`;
    if (opts.keep) {
      this.opts.log(`--keep: the run's keys stay under "${this.keyPrefix}" (remove: SCAN MATCH ${pattern} + UNLINK)`);
      writeFileSync(file, `${JSON.stringify({ keyPrefix: this.keyPrefix, kept: true }, null, 2)}\n`);
      return;
    }
    const removed: Record<string, number> = {};
    const errors: string[] = [];
    const primaries = await this.primaryAddresses().catch((err: unknown) => {
      errors.push(reason(err));
      return [] as Address[];
    });
    // Again after a moment while a pass still found keys: on a second Ctrl-C this runs while the clients are still
    // stopping, and a write already in flight can land after the first pass.
    for (let pass = 0; pass < 3; pass++) {
      let found = 0;
      for (const p of primaries) {
        try {
          const n = await unlinkMatching(p, this.auth, pattern);
          removed[`${p.host}:${p.port}`] = (removed[`${p.host}:${p.port}`] ?? 0) + n;
          found += n;
        } catch (err) {
          if (pass === 0) errors.push(`${p.host}:${p.port}: ${reason(err)}`);
        }
      }
      if (found === 0 || errors.length) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const total = Object.values(removed).reduce((a, b) => a + b, 0);
    writeFileSync(
      file,
      `${JSON.stringify({ keyPrefix: this.keyPrefix, removed, ...(errors.length ? { errors } : {}) }, null, 2)}\n`,
    );
    if (errors.length)
      this.opts.log(
        `could not remove every key under "${this.keyPrefix}": ${errors.join("; ")} (remove them with SCAN MATCH ${pattern} + UNLINK on each primary)`,
      );
    else this.opts.log(`removed ${total} key(s) under "${this.keyPrefix}"`);
  }
}

async function unlinkMatching(addr: Address, auth: ConnectionAuth, pattern: string): Promise<number> {
  return withAdminConnection(
    addr.host,
    addr.port,
    10_000,
    async (c) => {
      let cursor = "0";
      let n = 0;
      do {
        const [next, keys] = (await c.call("SCAN", cursor, "MATCH", pattern, "COUNT", "1000")) as [string, string[]];
        cursor = next;
        for (const key of keys) n += Number(await c.call("UNLINK", key));
      } while (cursor !== "0");
      return n;
    },
    auth,
  );
}

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { ConnectionAuth, TlsSettings } from "../core/cluster.js";
import type { ExistingPlan } from "../rundir/plan.js";

/**
 * The options that point a run at a deployment it does not start (--endpoint, --sentinel, --cluster), their auth
 * and TLS, and the key-safety options. Parsing keeps secrets out of the plan: the plan (written to test.json as is)
 * holds addresses and names; passwords and TLS file contents live in a WeakMap beside it, in memory only.
 */

export interface ExistingOptions {
  endpoint?: string;
  sentinel?: string;
  masterName?: string;
  cluster?: string;
  username?: string;
  password?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServername?: string;
  sentinelTls?: boolean;
  keyPrefix?: string;
  dryRun?: boolean;
  allowConfig?: boolean;
}

/** Environment variables read when the password options are absent (a command line shows in `ps`). */
export const PASSWORD_ENV = "SPLITBRAIN_PASSWORD";
export const SENTINEL_PASSWORD_ENV = "SPLITBRAIN_SENTINEL_PASSWORD";

/** Adds the existing-deployment options to a command (run). */
export function addExistingOptions(cmd: Command): Command {
  return cmd
    .option(
      "--endpoint <url>",
      "test an existing standalone server instead of starting one: redis://[user:password@]host:port[/db] or rediss:// (TLS)",
    )
    .option("--sentinel <host:port,...>", "test an existing Sentinel group: its Sentinels (with --master-name)")
    .option("--master-name <name>", "the Sentinel group's master name (with --sentinel)")
    .option("--cluster <host:port,...>", "test an existing Redis Cluster: seed nodes")
    .option("--username <user>", `ACL user for the data nodes (--sentinel, --cluster)`)
    .option("--password <password>", `password for the data nodes (or ${PASSWORD_ENV}; never recorded)`)
    .option("--sentinel-username <user>", "ACL user for the Sentinels")
    .option(
      "--sentinel-password <password>",
      `password for the Sentinels (or ${SENTINEL_PASSWORD_ENV}; never recorded)`,
    )
    .option("--tls", "speak TLS to the data nodes (--sentinel, --cluster; rediss:// does this for --endpoint)")
    .option("--tls-ca <file>", "CA certificate (PEM) to verify the servers with")
    .option("--tls-cert <file>", "client certificate (PEM), for servers that require one")
    .option("--tls-key <file>", "client key (PEM) for --tls-cert")
    .option("--tls-servername <name>", "server name to verify the certificate against (SNI)")
    .option("--sentinel-tls", "speak TLS to the Sentinels too (same CA, certificate and server name)")
    .option(
      "--key-prefix <prefix>",
      "put this before every key the run writes (default: splitbrain:<run id>:); no braces: workload keys keep their own hash tags",
    )
    .option("--dry-run", "with an existing deployment: print what the run would write, send and remove, then exit")
    .option(
      "--allow-config",
      "with an existing deployment: let the run CONFIG SET the settings under test (--appendfsync, --min-replicas-to-write, ...) on every data node and restore the originals after it (never CONFIG REWRITE)",
    );
}

const secrets = new WeakMap<ExistingPlan, ConnectionAuth>();

/** The plan's credentials and TLS material, from memory; undefined for a plan read back from a file. */
export function authOf(plan: ExistingPlan): ConnectionAuth | undefined {
  return secrets.get(plan);
}

function addresses(flag: string, text: string, problems: string[]): Array<{ host: string; port: number }> {
  const out: Array<{ host: string; port: number }> = [];
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(part);
    const port = m ? Number(m[2]) : Number.NaN;
    if (!m || !(port > 0 && port < 65536)) {
      problems.push(`${flag} takes host:port[,host:port...] (got "${part}")`);
      continue;
    }
    out.push({ host: m[1]!, port });
  }
  if (!out.length && !problems.length) problems.push(`${flag} needs at least one host:port`);
  return out;
}

function readPem(flag: string, path: string | undefined, problems: string[]): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    problems.push(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
}

/** Characters SCAN's MATCH reads as a pattern, and braces, which would move every key into the prefix's slot. */
const PREFIX_FORBIDDEN = /[{}*?[\]\\\s]/;

/**
 * The existing-deployment part of a plan, or undefined when none of --endpoint/--sentinel/--cluster was given.
 * Problems go to `problems` (the plan lists every one at once).
 */
export function existingFromOptions(o: ExistingOptions, problems: string[]): ExistingPlan | undefined {
  const given = [
    o.endpoint !== undefined && "--endpoint",
    o.sentinel !== undefined && "--sentinel",
    o.cluster !== undefined && "--cluster",
  ].filter((x): x is string => typeof x === "string");
  if (given.length === 0) {
    const stray = (
      [
        ["--master-name", o.masterName],
        ["--username", o.username],
        ["--password", o.password],
        ["--sentinel-username", o.sentinelUsername],
        ["--sentinel-password", o.sentinelPassword],
        ["--tls", o.tls],
        ["--tls-ca", o.tlsCa],
        ["--tls-cert", o.tlsCert],
        ["--tls-key", o.tlsKey],
        ["--tls-servername", o.tlsServername],
        ["--sentinel-tls", o.sentinelTls],
        ["--key-prefix", o.keyPrefix],
        ["--dry-run", o.dryRun],
        ["--allow-config", o.allowConfig],
      ] as const
    )
      .filter(([, v]) => v !== undefined && v !== false)
      .map(([f]) => f);
    if (stray.length)
      problems.push(`${stray.join(", ")} only apply to an existing deployment (--endpoint, --sentinel or --cluster)`);
    return undefined;
  }
  if (given.length > 1) {
    problems.push(`${given.join(" and ")}: give one of --endpoint, --sentinel or --cluster`);
    return undefined;
  }
  const auth: ConnectionAuth = {};
  let plan: ExistingPlan;
  let tls = !!o.tls;
  const named = splitName(o.endpoint ?? o.sentinel ?? o.cluster!);
  if (o.endpoint !== undefined) {
    const endpoint = named.rest;
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      // The text may hold a password: the problem names its shape, never echoes it.
      problems.push("--endpoint is not a URL: use redis://[user:password@]host:port[/db] or rediss://...");
    }
    if (!url) return undefined;
    if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
      problems.push(`--endpoint takes redis:// or rediss:// (got ${url.protocol}//)`);
      return undefined;
    }
    tls = tls || url.protocol === "rediss:";
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = url.port ? Number(url.port) : 6379;
    const dbText = url.pathname.replace(/^\//, "");
    const db = dbText === "" ? undefined : Number(dbText);
    if (db !== undefined && !(Number.isInteger(db) && db >= 0))
      problems.push(`--endpoint's database number must be a whole number (got "/${dbText}")`);
    if (url.username) auth.username = decodeURIComponent(url.username);
    if (url.password) auth.password = decodeURIComponent(url.password);
    if (db !== undefined) auth.db = db;
    plan = {
      kind: "single",
      addresses: [{ host, port }],
      endpoint: redactUrl(endpoint),
      keyPrefix: o.keyPrefix,
      dryRun: !!o.dryRun,
      tls,
    };
  } else if (o.sentinel !== undefined) {
    if (!o.masterName) problems.push("--sentinel needs --master-name <name> (the group's name in sentinel.conf)");
    plan = {
      kind: "sentinel",
      addresses: addresses("--sentinel", named.rest, problems),
      masterName: o.masterName ?? "",
      keyPrefix: o.keyPrefix,
      dryRun: !!o.dryRun,
      tls,
    };
  } else {
    plan = {
      kind: "cluster",
      addresses: addresses("--cluster", named.rest, problems),
      keyPrefix: o.keyPrefix,
      dryRun: !!o.dryRun,
      tls,
    };
  }
  if (o.masterName !== undefined && plan.kind !== "sentinel") problems.push("--master-name only applies to --sentinel");
  if (o.username !== undefined) auth.username = o.username;
  const password = o.password ?? process.env[PASSWORD_ENV];
  if (password !== undefined && password !== "") auth.password = password;
  if (plan.kind !== "sentinel" && (o.sentinelUsername || o.sentinelPassword || o.sentinelTls))
    problems.push("--sentinel-username, --sentinel-password and --sentinel-tls only apply to --sentinel");
  const pems: TlsSettings = {};
  const ca = readPem("--tls-ca", o.tlsCa, problems);
  const cert = readPem("--tls-cert", o.tlsCert, problems);
  const key = readPem("--tls-key", o.tlsKey, problems);
  if (ca !== undefined) pems.ca = ca;
  if (cert !== undefined) pems.cert = cert;
  if (key !== undefined) pems.key = key;
  if (o.tlsServername !== undefined) pems.servername = o.tlsServername;
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) problems.push("--tls-cert and --tls-key go together");
  const tlsFiles = Object.keys(pems).length > 0;
  if (tlsFiles && !tls && !o.sentinelTls)
    problems.push("--tls-ca/--tls-cert/--tls-key/--tls-servername need TLS: use rediss:// or --tls");
  if (tls) auth.tls = pems;
  if (plan.kind === "sentinel") {
    const sentinel: NonNullable<ConnectionAuth["sentinel"]> = {};
    if (o.sentinelUsername !== undefined) sentinel.username = o.sentinelUsername;
    const sp = o.sentinelPassword ?? process.env[SENTINEL_PASSWORD_ENV];
    if (sp !== undefined && sp !== "") sentinel.password = sp;
    if (o.sentinelTls) sentinel.tls = pems;
    if (Object.keys(sentinel).length) auth.sentinel = sentinel;
    plan.sentinelTls = !!o.sentinelTls;
    if (o.sentinelUsername !== undefined) plan.sentinelUsername = o.sentinelUsername;
  }
  if (auth.username !== undefined) plan.username = auth.username;
  if (auth.db !== undefined) plan.db = auth.db;
  if (o.tlsCa !== undefined) plan.tlsCa = o.tlsCa;
  if (o.tlsCert !== undefined) plan.tlsCert = o.tlsCert;
  if (o.tlsServername !== undefined) plan.tlsServername = o.tlsServername;
  plan.passwordGiven = auth.password !== undefined;
  if (o.keyPrefix !== undefined) {
    if (o.keyPrefix === "") problems.push("--key-prefix cannot be empty: the run's keys must be told from yours");
    else if (PREFIX_FORBIDDEN.test(o.keyPrefix))
      problems.push(
        `--key-prefix "${o.keyPrefix}" holds a brace, a space or a pattern character (* ? [ ] \\): braces would put every key in one Cluster slot, pattern characters would make the final clean-up match other keys`,
      );
  }
  if (plan.keyPrefix === undefined) delete plan.keyPrefix;
  if (named.name !== undefined) plan.name = named.name;
  if (o.allowConfig) plan.allowConfig = true;
  secrets.set(plan, auth);
  return plan;
}

const NAME = /^([A-Za-z0-9][A-Za-z0-9_.:-]*)=(.*)$/s;

/**
 * `name=<address>`: a deployment's own name before its address (compare's label, and SPLITBRAIN_TARGET for hooks).
 * An address never holds `=` before its scheme or first host, so a bare URL or host list has no name.
 */
export function splitName(text: string): { name?: string; rest: string } {
  const m = NAME.exec(text);
  return m ? { name: m[1]!, rest: m[2]! } : { rest: text };
}

/** The run's key prefix: the one given, or one made from the run id (no braces: each key keeps its own hash tag). */
export function keyPrefixFor(plan: ExistingPlan, runId: string): string {
  return plan.keyPrefix ?? `splitbrain:${runId}:`;
}

/** A redis:// URL with its password replaced by "***" (the user name stays: it says which ACL user ran). */
export function redactUrl(text: string): string {
  return text.replace(/^(rediss?:\/\/)([^@/]*)@/i, (_all, scheme: string, cred: string) => {
    const colon = cred.indexOf(":");
    return colon < 0 ? `${scheme}${cred}@` : `${scheme}${cred.slice(0, colon)}:***@`;
  });
}

const SECRET_FLAGS = new Set(["--password", "--sentinel-password"]);

/**
 * A command line as test.json records it: the password options' values and any password inside a redis:// URL are
 * replaced by "***", wherever they appear (`--password x`, `--password=x`, the URL as its own word or after `=`).
 */
export function redactCommand(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (SECRET_FLAGS.has(arg)) {
      out.push(arg);
      if (i + 1 < argv.length) {
        out.push("***");
        i++;
      }
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0 && SECRET_FLAGS.has(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=***`);
      continue;
    }
    out.push(arg.replace(/rediss?:\/\/[^\s@/]*@/gi, (m) => redactUrl(m)));
  }
  return out;
}

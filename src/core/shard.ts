import { createHash } from "node:crypto";
import { UsageError } from "./exit.js";

/**
 * Splitting one plan's runs over n machines (`--shard k/n`) and checking, before a merge, that the shards are the
 * n parts of one plan. Pure.
 *
 * The split: the full run list is sorted by run id (so `--only b,a` and `--only a,b` give the same shards), and
 * shard k takes the runs whose index in that order is k-1 modulo n. Round-robin rather than contiguous blocks
 * because a catalogue sorted by name keeps its slow scenarios (power loss, Dragonfly) apart, and repeats of one
 * scenario land on different machines, so one slow machine delays no scenario's every repeat.
 */

export interface ShardSpec {
  /** 1-based shard number. */
  k: number;
  n: number;
}

export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const k = m ? Number(m[1]) : Number.NaN;
  const n = m ? Number(m[2]) : Number.NaN;
  if (!m || n < 1 || k < 1 || k > n) {
    throw new UsageError(
      `--shard takes k/n with 1 <= k <= n (got "${text}")`,
      "e.g. --shard 1/4 on the first of four machines, --shard 4/4 on the last (JOB_COMPLETION_INDEX + 1 in Kubernetes)",
    );
  }
  return { k, n };
}

/** The runs shard k of n holds: sorted by id, every n-th from k-1. */
export function selectShard<T>(runs: readonly T[], id: (run: T) => string, shard: ShardSpec): T[] {
  const ids = runs.map(id);
  const dup = ids.find((x, i) => ids.indexOf(x) !== i);
  if (dup !== undefined) throw new Error(`run id ${dup} appears twice in one plan`);
  return [...runs]
    .sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0))
    .filter((_, i) => i % shard.n === shard.k - 1);
}

/** JSON with keys sorted at every level, so the same plan always hashes the same whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function planHash(identity: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(identity)).digest("hex").slice(0, 16);
}

export const SHARD_FILE = "shard.json";

/** shard.json: which part of which plan a directory holds. */
export interface ShardManifest {
  format: "splitbrain-shard/1";
  kind: "suite" | "audit" | "compare";
  /** Hash of `identity`. */
  plan: string;
  /** What makes two shards parts of the same plan, field by field (so a refusal can name the field). */
  identity: Record<string, unknown>;
  /** splitbrain's version; shards of one plan must have been run by the same version. */
  version: string;
  shard: ShardSpec;
  /** Every run id of the plan, in split order. */
  allRuns: string[];
  /** The run ids this shard holds. */
  runs: string[];
  /** What the merge needs to render the joined outputs (the command's context), opaque here. */
  context?: unknown;
  createdAt: string;
}

export function shardManifest(opts: {
  kind: ShardManifest["kind"];
  identity: Record<string, unknown>;
  version: string;
  shard: ShardSpec;
  allRuns: readonly string[];
  context?: unknown;
  now?: Date;
}): ShardManifest {
  const all = [...opts.allRuns].sort();
  const runs = selectShard(all, (x) => x, opts.shard);
  return {
    format: "splitbrain-shard/1",
    kind: opts.kind,
    plan: planHash({ ...opts.identity, runs: all }),
    identity: { ...opts.identity, runs: all },
    version: opts.version,
    shard: opts.shard,
    allRuns: all,
    runs,
    ...(opts.context !== undefined ? { context: opts.context } : {}),
    createdAt: (opts.now ?? new Date()).toISOString(),
  };
}

/** Short text of a value for a refusal message. */
function brief(v: unknown): string {
  const s = canonicalJson(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Refuses shards that are not exactly the n parts of one plan: another kind, plan or version (naming the differing
 * field and the directories), a shard missing or given twice, a run missing or held twice. Returns the manifests
 * in shard order.
 */
export function checkShards(shards: ReadonlyArray<{ dir: string; manifest: ShardManifest }>): ShardManifest[] {
  if (shards.length === 0) throw new UsageError("merge needs at least one shard directory");
  const first = shards[0]!;
  const hint = "merge the directories of one sharded run: the same command with --shard 1/n .. n/n";
  for (const s of shards.slice(1)) {
    const a = first.manifest;
    const b = s.manifest;
    const where = `${first.dir} and ${s.dir}`;
    if (a.kind !== b.kind)
      throw new UsageError(`${where} are not the same plan: kind differs (${a.kind} vs ${b.kind})`, hint);
    if (a.version !== b.version)
      throw new UsageError(
        `${where} were run by different splitbrain versions (${a.version} vs ${b.version})`,
        "run every shard with the same splitbrain version",
      );
    if (a.shard.n !== b.shard.n)
      throw new UsageError(`${where} split the plan differently: n differs (${a.shard.n} vs ${b.shard.n})`, hint);
    if (a.plan !== b.plan) {
      const fields = [...new Set([...Object.keys(a.identity), ...Object.keys(b.identity)])].sort();
      const differing = fields.filter((f) => canonicalJson(a.identity[f]) !== canonicalJson(b.identity[f]));
      const detail = differing
        .map((f) => `${f} differs (${brief(a.identity[f])} vs ${brief(b.identity[f])})`)
        .join("; ");
      throw new UsageError(`${where} are not the same plan: ${detail || "plan hash differs"}`, hint);
    }
  }
  const n = first.manifest.shard.n;
  const byK = new Map<number, string[]>();
  for (const s of shards) byK.set(s.manifest.shard.k, [...(byK.get(s.manifest.shard.k) ?? []), s.dir]);
  const twice = [...byK].filter(([, dirs]) => dirs.length > 1);
  if (twice.length)
    throw new UsageError(
      `overlapping shards: ${twice.map(([k, dirs]) => `shard ${k}/${n} is given twice (${dirs.join(", ")})`).join("; ")}`,
      "give each shard's directory once",
    );
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !byK.has(k));
  if (missing.length)
    throw new UsageError(
      `missing shard(s) ${missing.map((k) => `${k}/${n}`).join(", ")}: the merged result would lack their runs`,
      "give every shard's directory (a shard that failed must be rerun)",
    );
  const holders = new Map<string, number[]>();
  for (const s of shards)
    for (const id of s.manifest.runs) holders.set(id, [...(holders.get(id) ?? []), s.manifest.shard.k]);
  const dupRuns = [...holders].filter(([, ks]) => ks.length > 1);
  if (dupRuns.length)
    throw new UsageError(
      `overlapping runs: ${dupRuns.map(([id, ks]) => `${id} in shards ${ks.join(" and ")}`).join("; ")}`,
      hint,
    );
  const gaps = first.manifest.allRuns.filter((id) => !holders.has(id));
  if (gaps.length) throw new UsageError(`missing run(s): ${gaps.join(", ")} (no shard holds them)`, hint);
  const extra = [...holders.keys()].filter((id) => !first.manifest.allRuns.includes(id));
  if (extra.length) throw new UsageError(`run(s) not in the plan: ${extra.join(", ")}`, hint);
  return [...shards].sort((x, y) => x.manifest.shard.k - y.manifest.shard.k).map((s) => s.manifest);
}

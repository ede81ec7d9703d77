import { cpSync, existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { AuditContext, CompareContext } from "../compare/outputs.js";
import { sequenceRunId, writeAuditOutputs, writeCompareOutputs } from "../compare/outputs.js";
import type { SequencedRun } from "../compare/sequence.js";
import { UsageError } from "../core/exit.js";
import { makeDirs } from "../core/outputPaths.js";
import { checkShards, SHARD_FILE, type ShardManifest } from "../core/shard.js";
import { compareWithBaseline, type Trend } from "./baseline.js";
import { type SuiteRow, suiteRunId } from "./suite.js";
import { readSuiteJson, type SuiteJson, writeSuiteOutputs } from "./suiteFiles.js";

/**
 * `splitbrain merge`: n shard directories of one plan joined into one directory, as if one machine had run it all.
 * The shards are checked first (same plan, every shard once, every run once); each run directory is copied in, so
 * the merged directory is self-contained (a CI artifact whose links work), and the summary files are written by
 * the same writers the commands use.
 */

export interface MergeResult {
  kind: ShardManifest["kind"];
  outDir: string;
  runs: number;
  rows?: SuiteRow[];
  trend?: Trend;
  sequenced?: SequencedRun[];
}

function readManifest(dir: string): ShardManifest {
  const file = join(dir, SHARD_FILE);
  if (!existsSync(dir)) throw new UsageError(`${dir} does not exist`, "give the directories the shards wrote");
  if (!existsSync(file))
    throw new UsageError(
      `${dir} is not a shard directory (no ${SHARD_FILE})`,
      "merge joins the directories of suite, audit or compare runs made with --shard k/n",
    );
  let m: ShardManifest;
  try {
    m = JSON.parse(readFileSync(file, "utf8")) as ShardManifest;
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (m?.format !== "splitbrain-shard/1" || !Array.isArray(m.runs) || !Array.isArray(m.allRuns) || !m.shard)
    throw new UsageError(`${file} is not a splitbrain shard manifest (format splitbrain-shard/1)`);
  return m;
}

/** A shard's run directory, found inside the shard's directory (the path it recorded was on another machine). */
function localRunDir(shardDir: string, recorded: string): string | undefined {
  const here = join(shardDir, basename(recorded));
  return existsSync(here) ? here : existsSync(recorded) ? recorded : undefined;
}

function copyRun(shardDir: string, outDir: string, recorded: string | undefined): string | undefined {
  if (!recorded) return undefined;
  const from = localRunDir(shardDir, recorded);
  if (!from) return undefined;
  const to = join(outDir, basename(from));
  if (resolve(from) !== resolve(to)) cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  return to;
}

/** Refuses an output directory that already holds a summary: a merge never writes over another result. */
function prepareOut(outDir: string): void {
  for (const f of ["suite.json", "audit.json", "compare.json"]) {
    if (existsSync(join(outDir, f)))
      throw new UsageError(`--out ${outDir} already holds ${f}`, "give a new or empty directory to --out");
  }
  makeDirs(outDir);
}

export function mergeShards(
  dirs: readonly string[],
  outDir: string,
  opts: { command: string; baseline?: { file: string; suite: SuiteJson } } = { command: "splitbrain merge" },
): MergeResult {
  const shards = dirs.map((d) => ({ dir: resolve(d), manifest: readManifest(resolve(d)) }));
  const manifests = checkShards(shards);
  const kind = manifests[0]!.kind;
  if (opts.baseline && kind !== "suite")
    throw new UsageError(
      `--baseline compares suites; these shards are of ${kind === "audit" ? "an audit" : "a compare"}`,
    );
  const dirOf = new Map(shards.map((s) => [s.manifest.shard.k, s.dir]));
  prepareOut(outDir);
  if (kind === "suite") return mergeSuite(manifests, dirOf, outDir, opts);
  return mergeSequence(kind, manifests, dirOf, outDir);
}

function mergeSuite(
  manifests: readonly ShardManifest[],
  dirOf: Map<number, string>,
  outDir: string,
  opts: { command: string; baseline?: { file: string; suite: SuiteJson } },
): MergeResult {
  const byId = new Map<string, SuiteRow>();
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const m of manifests) {
    const dir = dirOf.get(m.shard.k)!;
    const { suite } = readSuiteJson(dir, "merge");
    const t0 = Date.parse(suite.startedAt);
    if (Number.isFinite(t0)) {
      start = Math.min(start, t0);
      end = Math.max(end, t0 + (suite.seconds ?? 0) * 1000);
    }
    const held = new Set(m.runs);
    for (const row of suite.rows) {
      const id = suiteRunId(row.scenario, row.repeat);
      if (!held.has(id)) continue;
      const runDir = copyRun(dir, outDir, row.runDir);
      const { runDir: _r, ...rest } = row;
      byId.set(id, { ...rest, ...(runDir ? { runDir } : {}) });
    }
    requireFinished(m, dir, byId);
  }
  const rows = manifests[0]!.allRuns.map((id) => byId.get(id)!);
  const trend = opts.baseline
    ? compareWithBaseline(rows, opts.baseline.suite.rows, {
        source: opts.baseline.file,
        startedAt: opts.baseline.suite.startedAt,
      })
    : undefined;
  const startedAt = Number.isFinite(start) ? new Date(start).toISOString() : new Date().toISOString();
  writeSuiteOutputs(
    outDir,
    rows,
    {
      startedAt,
      seconds: Number.isFinite(start) ? (end - start) / 1000 : 0,
      command: opts.command,
      shard: `merged from ${manifests.length} shard(s) of plan ${manifests[0]!.plan}`,
    },
    trend,
  );
  return { kind: "suite", outDir, runs: rows.length, rows, ...(trend ? { trend } : {}) };
}

function mergeSequence(
  kind: "audit" | "compare",
  manifests: readonly ShardManifest[],
  dirOf: Map<number, string>,
  outDir: string,
): MergeResult {
  const ctx = manifests[0]!.context as CompareContext | AuditContext | undefined;
  if (!ctx || ctx.kind !== kind || !Array.isArray(ctx.order))
    throw new UsageError(`the shard manifests of this ${kind} carry no context to render from`);
  const byId = new Map<string, SequencedRun>();
  for (const m of manifests) {
    const dir = dirOf.get(m.shard.k)!;
    const file = join(dir, `${kind}.json`);
    if (!existsSync(file)) throw new UsageError(`${dir} holds no ${kind}.json`, "rerun that shard, then merge again");
    const runs = (JSON.parse(readFileSync(file, "utf8")) as { runs?: SequencedRun[] }).runs ?? [];
    const held = new Set(m.runs);
    for (const r of runs) {
      const id = sequenceRunId(r.label, r.repeat);
      if (!held.has(id) || (r.status === "skipped" && r.error === "not run yet")) continue;
      const runDir = copyRun(dir, outDir, r.runDir);
      const { runDir: _r, ...rest } = r;
      byId.set(id, { ...rest, ...(runDir ? { runDir } : {}) });
    }
    requireFinished(m, dir, byId);
  }
  const done = ctx.order.map((id) => byId.get(id)!);
  const { shardNote: _n, ...plain } = ctx;
  const note = `merged from ${manifests.length} shard(s) of plan ${manifests[0]!.plan}`;
  if (plain.kind === "compare") writeCompareOutputs(outDir, { ...plain, shardNote: note }, done);
  else writeAuditOutputs(outDir, { ...plain, shardNote: note }, done, done.length);
  return { kind, outDir, runs: done.length, sequenced: done };
}

/** A shard that lists a run it holds no result for did not finish: merging it would hide the gap. */
function requireFinished(
  m: { runs: readonly string[]; shard: { k: number; n: number } },
  dir: string,
  byId: ReadonlyMap<string, unknown>,
): void {
  const lacking = m.runs.filter((id) => !byId.has(id));
  if (lacking.length)
    throw new UsageError(
      `shard ${m.shard.k}/${m.shard.n} (${dir}) has no result for run(s) ${lacking.join(", ")}: it did not finish`,
      "rerun that shard, then merge again",
    );
}

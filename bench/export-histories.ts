/**
 * Writes the histories `npm run bench -- linearizable` checks, as the linearizability search sees them, so another
 * checker (porcupine, for the speed comparison in the README) can be run on exactly the same input:
 *
 *   node --import tsx bench/export-histories.ts [--pruned] <dir>
 *
 * One file per history set, `<dir>/<slug>.json`:
 *
 *   { "name": "...", "model": "register" | "kv", "benchCases": ["...", ...], "pruned": false,
 *     "histories": [ { "invocations": n, "failed": n, "pending": n, "droppedPendingReads": n,
 *                      "calls": [ { "id", "process", "key", "f", "input", "output", "pending", "call", "ret" } ] } ] }
 *
 * A call is an invocation paired with its completion, decoded by our model: `fail`s are gone (they did not happen),
 * and so are pending reads (they constrain nothing). `input` is the model's input: register `{f:"read"}`,
 * `{f:"write",value}`, `{f:"cas",from,to}`; kv `{f:"get"}`, `{f:"put",value}`, `{f:"append",value}`; values are
 * strings, or null for an unset register. `output` is a read's value (null for a completed write or cas, absent
 * when pending). `call` and `ret` are integer times; `ret` is null for a pending call (info or never answered: it
 * returns at +infinity and may or may not have taken effect). Calls are not pruned: a checker without our pruning
 * of unobservable pending writes sees every one of them. With `--pruned` they are (the model's pruneUnobserved, per
 * partition, as our checker does by default), so another checker can be timed on the search space ours explores.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pairCalls } from "../src/checker/linearizable/calls.js";
import type { History } from "../src/history/op.js";
import type { Call, Model } from "../src/models/model.js";
import { cases } from "./linearizable.js";

interface ExportedCall {
  id: number;
  process: number | string;
  key: string | number | null;
  f: string;
  input: unknown;
  output?: unknown;
  pending: boolean;
  call: number;
  ret: number | null;
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Pruned calls of every partition, back in history order. */
function pruneEachPartition(calls: readonly Call[], model: Model): Call[] {
  return model
    .partition(calls)
    .flatMap((g) => model.pruneUnobserved!(g))
    .sort((a, b) => a.id - b.id);
}

function main(argv: string[]): void {
  const pruned = argv.includes("--pruned");
  const rest = argv.filter((a) => a !== "--pruned");
  const dir = rest[0];
  if (!dir || rest.length > 1)
    throw new Error("usage: node --import tsx bench/export-histories.ts [--pruned] <output dir>");
  mkdirSync(dir, { recursive: true });
  // Several bench cases share one history set (the same histories under different checker options): export each
  // set once, named after the first case that uses it.
  const sets = new Map<History[], { model: Model; meta: { name: string; model: string; benchCases: string[] } }>();
  for (const c of cases()) {
    const known = sets.get(c.histories);
    if (known) known.meta.benchCases.push(c.name.trim());
    else
      sets.set(c.histories, {
        model: c.model,
        meta: { name: c.name.trim(), model: c.model.name, benchCases: [c.name.trim()] },
      });
  }
  for (const [histories, { model, meta }] of sets) {
    const out = histories.map((h) => {
      const paired = pairCalls(h, model);
      const kept = pruned && model.pruneUnobserved ? pruneEachPartition(paired.calls, model) : paired.calls;
      const calls: ExportedCall[] = kept.map((c) => ({
        id: c.id,
        process: c.process,
        key: c.key,
        f: c.f,
        input: c.input,
        ...(c.pending ? {} : { output: c.output }),
        pending: c.pending,
        call: c.call,
        ret: c.pending ? null : c.ret,
      }));
      return {
        invocations: paired.invocations,
        failed: paired.failed,
        pending: paired.pending,
        droppedPendingReads: paired.dropped,
        calls,
      };
    });
    const file = join(dir, `${slug(meta.name)}.json`);
    writeFileSync(file, JSON.stringify({ ...meta, pruned, histories: out }) + "\n");
    const calls = out.reduce((s, h) => s + h.calls.length, 0);
    console.log(`${file}: ${out.length} histor${out.length === 1 ? "y" : "ies"}, ${calls} calls (${meta.model})`);
  }
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error(`export-histories: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}

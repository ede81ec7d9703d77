/**
 * Builds a big run directory out of a real one, for measuring `check` and `report` at the size of a default run on
 * a quiet host (about 1.5 million history lines) on a host whose own run came out smaller:
 *
 *   node --import tsx bench/scale-run.ts <run dir> <new dir> [--lines 1500000]
 *
 * The copies run side by side, as more clients would have: every copy's ops keep their times, its keys get a
 * suffix (so each key's ops, and so each key's verdict, are the original's), its processes are renumbered to keep
 * their workload (process mod concurrency), and set elements are offset so they stay unique. Faults are the
 * original's, once. To land near the asked size the last copy takes only some of the keys, whole.
 */
import { cpSync, createReadStream, createWriteStream, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip, createGzip } from "node:zlib";

interface Line {
  index: number;
  time: number;
  process: number | "nemesis";
  key?: string | number | null;
  f: string;
  value?: unknown;
  [k: string]: unknown;
}

async function readLines(file: string): Promise<Line[]> {
  const input = createReadStream(file);
  const text = file.endsWith(".gz") ? input.pipe(createGunzip()) : input;
  const out: Line[] = [];
  for await (const row of createInterface({ input: text, crlfDelay: Infinity })) {
    if (row.trim() !== "") out.push(JSON.parse(row) as Line);
  }
  return out;
}

function shifted(v: unknown, by: number): unknown {
  if (typeof v === "number") return v + by;
  if (Array.isArray(v)) return v.map((x) => shifted(x, by));
  return v;
}

async function main(argv: string[]): Promise<void> {
  const [src, dst] = argv;
  const at = argv.indexOf("--lines");
  const want = at >= 0 ? Number(argv[at + 1]) : 1_500_000;
  if (!src || !dst || !(want > 0)) throw new Error("usage: scale-run.ts <run dir> <new dir> [--lines N]");
  const historyName = readdirSync(src).includes("history.jsonl.gz") ? "history.jsonl.gz" : "history.jsonl";
  const lines = await readLines(join(src, historyName));
  const test = JSON.parse(readFileSync(join(src, "test.json"), "utf8")) as { plan: { concurrency: number } };
  const clientLines = lines.filter((l) => l.process !== "nemesis");
  const copies = Math.max(1, want / clientLines.length);
  const keys = [...new Set(clientLines.map((l) => String(l.key)))].sort();
  const procStride = test.plan.concurrency * 100_000;
  const out: Line[] = lines.filter((l) => l.process === "nemesis");
  for (let k = 0; k < Math.ceil(copies); k++) {
    // The last copy: the first keys in name order until the wanted share of ops is reached.
    const share = Math.min(1, copies - k);
    const taken = new Set<string>();
    if (share < 1) {
      const perKey = new Map<string, number>();
      for (const l of clientLines) perKey.set(String(l.key), (perKey.get(String(l.key)) ?? 0) + 1);
      let n = 0;
      for (const key of keys) {
        if (n >= share * clientLines.length) break;
        taken.add(key);
        n += perKey.get(key)!;
      }
    }
    for (const l of clientLines) {
      if (share < 1 && !taken.has(String(l.key))) continue;
      if (k === 0) {
        out.push(l);
        continue;
      }
      const copy: Line = { ...l, process: (l.process as number) + k * procStride };
      if (typeof l.key === "string") copy.key = `${l.key}~${k}`;
      if (String(l.key).startsWith("set:") && l.value !== undefined) copy.value = shifted(l.value, k * 10_000_000);
      out.push(copy);
    }
  }
  out.sort((a, b) => a.time - b.time || a.index - b.index);
  mkdirSync(dst, { recursive: true });
  for (const name of readdirSync(src)) {
    if (name.startsWith("history.jsonl") || name === "results.json" || name === "report.html") continue;
    if (name === "evidence") continue;
    cpSync(join(src, name), join(dst, name), { recursive: true });
  }
  const gz = createGzip();
  const file = createWriteStream(join(dst, "history.jsonl.gz"));
  gz.pipe(file);
  let i = 0;
  for (const l of out) {
    const { index: _, ...rest } = l;
    if (!gz.write(`${JSON.stringify({ index: i++, ...rest })}\n`))
      await new Promise<void>((r) => gz.once("drain", () => r()));
  }
  gz.end();
  await new Promise<void>((r) => file.once("finish", () => r()));
  process.stdout.write(
    `${dst}: ${out.length} lines (${copies.toFixed(2)} copies of ${clientLines.length} client lines)\n`,
  );
}

await main(process.argv.slice(2));

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { PartitionJob, PartitionVerdict } from "./partition.js";

/**
 * The worker thread. Compiled, it is the .js beside this file. Run from source (tests, benchmarks), it is the .ts
 * file, which a bare thread cannot load: a small bootstrap registers tsx's ESM loader first (an `--import tsx`
 * flag is not enough inside vitest, whose module runner is not Node's loader).
 */
function spawnWorker(): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./worker.js", import.meta.url));
  const require = createRequire(import.meta.url);
  const tsxDir = dirname(require.resolve("tsx/package.json"));
  const exportsMap = JSON.parse(readFileSync(join(tsxDir, "package.json"), "utf8")).exports["./esm/api"];
  const api = pathToFileURL(join(tsxDir, exportsMap.import.default)).href;
  const worker = new URL("./worker.ts", import.meta.url).href;
  const boot = `const { register } = await import(${JSON.stringify(api)}); register(); await import(${JSON.stringify(worker)});`;
  return new Worker(boot, { eval: true });
}

/**
 * Checks partitions on worker threads, in the order given, handing each idle thread the next one as it finishes.
 * Once `stop` says yes to a verdict, nothing more is started and the threads still searching are ended: their
 * partitions (and the ones never started) have no verdict in the result.
 */
export async function checkOnWorkers(
  modelName: string,
  jobs: PartitionJob[],
  threads: number,
  deadline: number,
  now: () => number,
  stop: (v: PartitionVerdict) => boolean = () => false,
): Promise<Array<PartitionVerdict | undefined>> {
  const results: Array<PartitionVerdict | undefined> = new Array(jobs.length);
  const workers: Worker[] = [];
  let nextJob = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      const feed = (w: Worker): void => {
        if (nextJob >= jobs.length) {
          if (running === 0) resolve();
          return;
        }
        const seq = nextJob++;
        const job = jobs[seq]!;
        running++;
        w.postMessage({ seq, model: modelName, job: { ...job, budgetMs: Math.max(0, deadline - now()) } });
      };
      for (let t = 0; t < Math.min(threads, jobs.length); t++) {
        const w = spawnWorker();
        workers.push(w);
        w.on("message", (m: { seq: number; verdict?: PartitionVerdict; error?: string }) => {
          running--;
          if (m.error !== undefined || !m.verdict) {
            reject(new Error(`linearizability worker failed: ${m.error}`));
            return;
          }
          results[m.seq] = m.verdict;
          if (stop(m.verdict)) {
            nextJob = jobs.length;
            resolve();
            return;
          }
          feed(w);
        });
        w.on("error", reject);
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

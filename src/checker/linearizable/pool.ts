import { Worker } from "node:worker_threads";
import type { PartitionJob, PartitionVerdict } from "./partition.js";

/**
 * Checks partitions on worker threads, handing each idle thread the next one. Under tsx (tests, benchmarks) the
 * worker is the .ts source and needs tsx's loader; compiled, it is the .js beside this file.
 */
export async function checkOnWorkers(
  modelName: string,
  jobs: PartitionJob[],
  threads: number,
  deadline: number,
  now: () => number,
): Promise<PartitionVerdict[]> {
  const fromSource = import.meta.url.endsWith(".ts");
  const url = new URL(fromSource ? "./worker.ts" : "./worker.js", import.meta.url);
  const execArgv = fromSource && !process.execArgv.some((a) => a.includes("tsx")) ? ["--import", "tsx"] : undefined;
  const results: PartitionVerdict[] = new Array(jobs.length);
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
        const w = new Worker(url, execArgv ? { execArgv } : {});
        workers.push(w);
        w.on("message", (m: { seq: number; verdict?: PartitionVerdict; error?: string }) => {
          running--;
          if (m.error !== undefined || !m.verdict) {
            reject(new Error(`linearizability worker failed: ${m.error}`));
            return;
          }
          results[m.seq] = m.verdict;
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

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { docker } from "../docker/engine.js";
import { writeJson } from "../rundir/paths.js";
import type { MemorySample, NodeStats } from "../rundir/stats.js";

/**
 * Memory of each node container during the workload, sampled from Docker's stats API about once a second, so
 * `compare` can set engines side by side by what they cost as well as by what they lose. Written to
 * nodes/<node>/stats.json. Sampling is best effort: a node whose stats cannot be read (its process killed by a
 * fault, a slow daemon) simply has fewer samples; it never stops or slows the run.
 */

export type { MemorySample, NodeStats };

/** The part of Docker's stats answer we read (cgroup v1 and v2 field names). */
export interface DockerMemoryStats {
  usage?: number;
  max_usage?: number;
  stats?: Record<string, number | undefined>;
}

/** Bytes in use, as the Docker CLI computes it: the inactive file cache is reclaimable, so it does not count. */
export function memoryInUse(m: DockerMemoryStats | undefined): number | undefined {
  if (!m || typeof m.usage !== "number") return undefined;
  const cache = m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0;
  return Math.max(0, m.usage - cache);
}

/**
 * Keeps at most `max` samples, evenly spaced over the whole run: when full, every other sample goes and from then
 * on only every other new one is kept (the stride doubles), so a long run's file stays small without losing its
 * start or end. The peak is tracked apart and never lost.
 */
export class SampleBuffer {
  readonly samples: MemorySample[] = [];
  private stride = 1;
  private seen = 0;

  constructor(private readonly max: number) {}

  push(sample: MemorySample): void {
    if (this.seen++ % this.stride !== 0) return;
    this.samples.push(sample);
    if (this.samples.length <= this.max) return;
    const kept = this.samples.filter((_, i) => i % 2 === 0);
    this.samples.splice(0, this.samples.length, ...kept);
    this.stride *= 2;
  }
}

export interface SampledNode {
  name: string;
  containerId: string;
}

export interface StatsSamplerOptions {
  intervalMs?: number;
  maxSamples?: number;
}

export const DEFAULT_STATS_INTERVAL_MS = 1000;
const DEFAULT_MAX_SAMPLES = 600;
const STATS_TIMEOUT_MS = 5000;

export class StatsSampler {
  private readonly intervalMs: number;
  private readonly maxSamples: number;
  private readonly stats = new Map<string, NodeStats>();
  private readonly buffers = new Map<string, SampleBuffer>();
  private readonly startedAt = performance.now();
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> | undefined;
  private stopped: Promise<NodeStats[]> | undefined;

  constructor(
    private readonly nodes: readonly SampledNode[],
    opts: StatsSamplerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_STATS_INTERVAL_MS;
    this.maxSamples = opts.maxSamples ?? DEFAULT_MAX_SAMPLES;
    for (const n of nodes) {
      const buffer = new SampleBuffer(this.maxSamples);
      this.buffers.set(n.name, buffer);
      this.stats.set(n.name, {
        node: n.name,
        peakBytes: null,
        kernelMaxBytes: null,
        intervalMs: this.intervalMs,
        samples: buffer.samples,
        errors: 0,
      });
    }
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    // A slow daemon must not pile up requests: skip a tick while the last one is still out.
    if (this.inFlight || this.stopped) return;
    const atMs = Math.round(performance.now() - this.startedAt);
    this.inFlight = Promise.all(this.nodes.map((n) => this.sampleOne(n, atMs))).then(() => {
      this.inFlight = undefined;
    });
  }

  private async sampleOne(node: SampledNode, atMs: number): Promise<void> {
    const s = this.stats.get(node.name)!;
    try {
      // one-shot: answer at once instead of waiting a second for a second CPU reading we do not use.
      const raw = (await docker()
        .getContainer(node.containerId)
        .stats({ stream: false, "one-shot": true, abortSignal: AbortSignal.timeout(STATS_TIMEOUT_MS) } as {
          stream: false;
        })) as {
        memory_stats?: DockerMemoryStats;
      };
      const bytes = memoryInUse(raw.memory_stats);
      if (bytes === undefined) {
        s.errors++;
        return;
      }
      this.buffers.get(node.name)!.push({ atMs, bytes });
      s.peakBytes = Math.max(s.peakBytes ?? 0, bytes);
      const kernelMax = raw.memory_stats?.max_usage;
      if (typeof kernelMax === "number") s.kernelMaxBytes = Math.max(s.kernelMaxBytes ?? 0, kernelMax);
    } catch {
      s.errors++;
    }
  }

  /** Stops sampling (idempotent) and, given the run's nodes directory, writes nodes/<node>/stats.json. */
  stop(nodesPath?: string): Promise<NodeStats[]> {
    this.stopped ??= (async () => {
      clearInterval(this.timer);
      await this.inFlight;
      const all = [...this.stats.values()];
      if (nodesPath) {
        for (const s of all) {
          const dir = join(nodesPath, s.node);
          mkdirSync(dir, { recursive: true });
          writeJson(join(dir, "stats.json"), s);
        }
      }
      return all;
    })();
    return this.stopped;
  }
}

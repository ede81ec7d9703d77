/** What nodes/<node>/stats.json holds: one node's memory during the workload (written by runner/stats.ts). */

export interface MemorySample {
  /** Milliseconds since sampling began. */
  atMs: number;
  /** Bytes in use as `docker stats` counts them: usage minus the inactive page cache the kernel can drop. */
  bytes: number;
}

export interface NodeStats {
  node: string;
  /** Highest sampled usage; null when no sample could be read. */
  peakBytes: number | null;
  /** The kernel's own high-water mark (cgroup v1 max_usage, page cache included), when the daemon reports it. */
  kernelMaxBytes: number | null;
  intervalMs: number;
  samples: MemorySample[];
  /** Samples that could not be read. */
  errors: number;
}

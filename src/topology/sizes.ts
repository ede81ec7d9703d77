/**
 * Sizes as people type them. Two dialects matter: Redis's own (`1k` = 1000, `1kb` = 1024, and so on), which we pass
 * through untouched so the saved redis.conf reads like the user's command line, and tmpfs sizes for the data dir,
 * which we turn into bytes so the Docker API gets one unambiguous number.
 */

const REDIS_SIZE = /^(\d+)(k|kb|m|mb|g|gb)?$/i;

/** True if Redis (and Dragonfly, which accepts the same forms) would parse this as a memory size. */
export function isRedisSize(text: string): boolean {
  return REDIS_SIZE.test(text.trim());
}

/** Bytes meant by a Redis memory size (k/m/g = powers of 1000, kb/mb/gb = powers of 1024). */
export function redisSizeBytes(text: string): number {
  const m = REDIS_SIZE.exec(text.trim());
  if (!m) throw new Error(`not a memory size: ${text}`);
  const n = Number(m[1]);
  const unit = (m[2] ?? "").toLowerCase();
  const factor: Record<string, number> = {
    "": 1,
    k: 1e3,
    kb: 1024,
    m: 1e6,
    mb: 1024 ** 2,
    g: 1e9,
    gb: 1024 ** 3,
  };
  return n * factor[unit]!;
}

const DATA_SIZE = /^(\d+)([kmg])?i?b?$/i;

/** Bytes of a tmpfs size such as `256m`, `1g`, `64MiB` (binary units, like `docker run --tmpfs ...:size=`). */
export function dataSizeBytes(text: string): number | undefined {
  const m = DATA_SIZE.exec(text.trim());
  if (!m) return undefined;
  const exp = { "": 0, k: 1, m: 2, g: 3 }[(m[2] ?? "").toLowerCase() as "" | "k" | "m" | "g"];
  return Number(m[1]) * 1024 ** exp;
}

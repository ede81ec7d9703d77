/**
 * Register and key-value values compared the way Redis stores them: as strings. A workload writes the number 3
 * and ioredis reads back "3"; both must be the same value, or every such history would look like a stale read.
 */
export type Value = string | null;

export function canonicalValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

export function showValue(v: Value): string {
  return v === null ? "nil" : JSON.stringify(v);
}

/** FNV-1a, 32 bits: enough to spread cache buckets; equality is always confirmed with `equal`. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Groups calls by key, keeping each group in history order; keyless calls form one group. Keys compare as strings
 * because Redis has no other kind: key 1 and key "1" are the same key.
 */
export function partitionByKey<C extends { key: string | number | null }>(calls: readonly C[]): C[][] {
  const groups = new Map<string, C[]>();
  for (const c of calls) {
    const k = c.key === null ? "\u0000nil" : `k${c.key}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(c);
  }
  return [...groups.values()];
}

import type { ClientOp } from "./timeline.js";

/**
 * Who was primary when, from two sources that the report names separately because they answer different
 * questions: which node acknowledged writes (on the run's own clock, exact, but only where writes happened) and
 * what Sentinel decided (+switch-master in its logs, wall-clock times, so only approximately on the run's clock).
 * When both old and new primary acknowledge writes in the same stretch, that is the split brain itself.
 */

const READ_FS = new Set(["read", "final-read", "drain", "drain-inflight", "dequeue"]);

export interface WriterSegment {
  from: number;
  to: number;
  /** Nodes that acknowledged writes in this stretch, most writes first. */
  nodes: string[];
  writes: number;
}

/**
 * Groups acknowledged writes into time buckets and merges neighbouring buckets that had the same set of writing
 * nodes. Buckets with no acknowledged writes are skipped (no evidence either way), so a segment may span a gap.
 */
export function writerSegments(ops: readonly ClientOp[], bucket: number): WriterSegment[] {
  const writes = ops.filter(
    (o) => o.outcome === "ok" && o.node !== undefined && o.end !== undefined && !READ_FS.has(o.f),
  );
  writes.sort((a, b) => a.end! - b.end!);
  const segments: WriterSegment[] = [];
  let i = 0;
  while (i < writes.length) {
    const b = Math.floor(writes[i]!.end! / bucket);
    const tally = new Map<string, number>();
    let j = i;
    for (; j < writes.length && Math.floor(writes[j]!.end! / bucket) === b; j++) {
      tally.set(writes[j]!.node!, (tally.get(writes[j]!.node!) ?? 0) + 1);
    }
    const nodes = [...tally.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).map(([n]) => n);
    const first = writes[i]!.end!;
    const last = writes[j - 1]!.end!;
    const prev = segments[segments.length - 1];
    if (prev && sameSet(prev.nodes, nodes)) {
      prev.to = last;
      prev.writes += j - i;
      prev.nodes = nodes;
    } else segments.push({ from: first, to: last, nodes, writes: j - i });
    i = j;
  }
  return segments;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export interface SentinelSwitch {
  /** Wall-clock time as the log printed it. */
  wall: string;
  /** Milliseconds since the epoch (UTC, which is what the node containers log in). */
  wallMs: number;
  from: string;
  to: string;
  /** Sentinels that logged it. */
  reportedBy: string[];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SWITCH =
  /(\d{1,2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) [#*.-] \+switch-master \S+ (\S+) (\d+) (\S+) (\d+)/;

/**
 * +switch-master lines of every Sentinel log, one entry per distinct switch (each Sentinel logs the same switch;
 * the earliest time is kept). Addresses become node names where the run knows them.
 */
export function sentinelSwitches(
  logs: ReadonlyArray<{ node: string; text: string }>,
  nameOf: (ip: string, port: number) => string,
): SentinelSwitch[] {
  const found: SentinelSwitch[] = [];
  for (const { node, text } of logs) {
    for (const line of text.split("\n")) {
      const m = SWITCH.exec(line);
      if (!m) continue;
      const month = MONTHS.indexOf(m[2]!);
      if (month < 0) continue;
      const wallMs = Date.UTC(+m[3]!, month, +m[1]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!);
      const from = nameOf(m[8]!, +m[9]!);
      const to = nameOf(m[10]!, +m[11]!);
      // The same switch seen by another Sentinel within a few seconds is one event.
      const same = found.find((s) => s.from === from && s.to === to && Math.abs(s.wallMs - wallMs) < 5000);
      if (same) {
        if (!same.reportedBy.includes(node)) same.reportedBy.push(node);
        if (wallMs < same.wallMs) Object.assign(same, { wallMs, wall: line.slice(m.index, m.index + 24) });
      } else found.push({ wall: line.slice(m.index, m.index + 24), wallMs, from, to, reportedBy: [node] });
    }
  }
  return found.sort((a, b) => a.wallMs - b.wallMs);
}

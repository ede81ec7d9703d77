/**
 * History generators for tests and benchmarks: random small histories (anything goes, for the oracle), histories
 * produced by a sequential register/kv under simulated concurrency (valid by construction), and anomalies that make
 * such a history invalid for certain.
 */

import type { Rng } from "../../src/core/rng.js";
import type { History, Op, OpType } from "../../src/history/op.js";

type Kind = "register" | "kv";

/** Renumbers `index` densely, as a recorder would. */
export function indexed(ops: Array<Omit<Op, "index">>): History {
  return ops.map((op, index) => ({ ...op, index }) as Op);
}

export interface RandomHistoryOptions {
  processes: number;
  ops: number;
  keys?: number;
  /** Give ops times (sometimes equal, to exercise ties) rather than relying on line order. */
  timed?: boolean;
}

/**
 * A random concurrent history with no promise of validity: reads return values that were written somewhere (or
 * the initial value), so about half come out linearizable. Completions are a mix of ok, fail and info, and some
 * invocations never complete.
 */
export function randomHistory(kind: Kind, rng: Rng, o: RandomHistoryOptions): History {
  const ops: Array<Omit<Op, "index">> = [];
  const open = new Map<number, { f: string; key?: number; value: unknown }>();
  const written: string[] = [];
  let nextProcess = o.processes;
  const idle = Array.from({ length: o.processes }, (_, p) => p);
  let invoked = 0;
  let t = 0;
  const time = (): number | undefined => {
    if (!o.timed) return undefined;
    if (rng.next() < 0.7) t += 1 + rng.int(3);
    return t;
  };
  while (invoked < o.ops || open.size > 0) {
    const canInvoke = invoked < o.ops && idle.length > 0;
    if (canInvoke && (open.size === 0 || rng.next() < 0.5)) {
      const p = idle.splice(rng.int(idle.length), 1)[0]!;
      const key = o.keys ? rng.int(o.keys) : undefined;
      const op = kind === "register" ? randomRegisterInvoke(rng, written) : randomKvInvoke(rng, written);
      open.set(p, { f: op.f, value: op.value, ...(key === undefined ? {} : { key }) });
      ops.push({
        process: p,
        type: "invoke",
        f: op.f,
        value: op.value,
        ...(key === undefined ? {} : { key }),
        time: time(),
      });
      invoked++;
      continue;
    }
    const procs = [...open.keys()];
    const p = rng.pick(procs);
    const inv = open.get(p)!;
    open.delete(p);
    if (invoked >= o.ops && rng.next() < 0.1) continue; // left without an answer, as when a run dies
    const r = rng.next();
    const type: OpType = r < 0.65 ? "ok" : r < 0.82 ? "fail" : "info";
    const isRead = inv.f === "read" || inv.f === "get";
    const value = type === "ok" && isRead ? randomReadValue(kind, rng, written) : undefined;
    ops.push({
      process: p,
      type,
      f: inv.f,
      ...(inv.key === undefined ? {} : { key: inv.key }),
      value: isRead ? value : inv.value,
      time: time(),
    });
    if (type === "info") idle.push(nextProcess++);
    else idle.push(p);
  }
  return indexed(ops);
}

function randomRegisterInvoke(rng: Rng, written: string[]): { f: string; value: unknown } {
  const r = rng.next();
  if (r < 0.4) return { f: rng.pick(["read", "get"]), value: null };
  const v = 1 + rng.int(3);
  written.push(String(v));
  if (r < 0.75) return { f: rng.pick(["write", "set"]), value: v };
  return { f: "cas", value: [rng.next() < 0.3 ? null : 1 + rng.int(3), v] };
}

function randomKvInvoke(rng: Rng, written: string[]): { f: string; value: unknown } {
  const r = rng.next();
  if (r < 0.4) return { f: "get", value: null };
  const v = rng.pick(["a", "b"]);
  written.push(v);
  return { f: r < 0.65 ? "put" : "append", value: v };
}

function randomReadValue(kind: Kind, rng: Rng, written: string[]): unknown {
  if (kind === "register") {
    if (rng.next() < 0.2 || written.length === 0) return null;
    return Number(rng.pick(written));
  }
  const pool = ["", ...written, "ab", "ba", "aa", "bb", "aab", "abb"];
  return rng.pick(pool);
}

export interface SimulationOptions {
  processes: number;
  ops: number;
  /** Keys (kv: many is the multi-key case; register: one unless given). */
  keys?: number;
  /** Share of completions that are info (the op may or may not have happened). */
  infoRate?: number;
  /** Mean op duration in ticks, relative to one new invocation per tick: larger means more overlap. */
  meanDuration?: number;
}

interface InFlight {
  process: number;
  f: string;
  key: number;
  value: unknown;
  lin: number;
  ret: number;
  /** For info ops: whether the op took effect before the client lost track of it. */
  effective: boolean;
  result?: { ok: boolean; output: unknown };
}

/**
 * Runs a sequential register or kv under simulated concurrency: each operation takes effect atomically at a random
 * instant between its invocation and its completion, so the history is linearizable by construction. Written
 * values are unique, which is what lets the anomaly injectors below prove invalidity.
 */
export function simulatedHistory(kind: Kind, rng: Rng, o: SimulationOptions): History {
  const ops: Array<Omit<Op, "index">> = [];
  const state = new Map<number, string | null>();
  const keys = o.keys ?? 1;
  const infoRate = o.infoRate ?? 0.05;
  const meanDuration = o.meanDuration ?? o.processes;
  let unique = 0;
  let nextProcess = o.processes;
  const idle = Array.from({ length: o.processes }, (_, p) => p);
  const inflight: InFlight[] = [];
  let invoked = 0;
  let now = 0;

  const apply = (op: InFlight): { ok: boolean; output: unknown } => {
    const cur = state.get(op.key) ?? (kind === "kv" ? "" : null);
    switch (op.f) {
      case "read":
      case "get":
        return { ok: true, output: cur };
      case "write":
      case "put":
        state.set(op.key, String(op.value));
        return { ok: true, output: undefined };
      case "append":
        state.set(op.key, (cur ?? "") + String(op.value));
        return { ok: true, output: undefined };
      case "cas": {
        const [from, to] = op.value as [number | null, number];
        if (cur !== (from === null ? null : String(from))) return { ok: false, output: undefined };
        state.set(op.key, String(to));
        return { ok: true, output: undefined };
      }
    }
    throw new Error(`simulator: unknown f ${op.f}`);
  };

  const key = (k: number): { key?: number } => (o.keys === undefined ? {} : { key: k });
  while (invoked < o.ops || inflight.length > 0) {
    now++;
    // Events due by now, in time order: linearization points apply, returns complete.
    const due: Array<{ at: number; kind: "lin" | "ret"; op: InFlight }> = [];
    for (const op of inflight) {
      if (op.result === undefined && op.lin <= now) due.push({ at: op.lin, kind: "lin", op });
      if (op.ret <= now) due.push({ at: op.ret, kind: "ret", op });
    }
    due.sort((a, b) => a.at - b.at || (a.kind === "lin" ? -1 : 1));
    for (const ev of due) {
      const op = ev.op;
      if (ev.kind === "lin") {
        op.result = op.effective ? apply(op) : { ok: false, output: undefined };
        continue;
      }
      inflight.splice(inflight.indexOf(op), 1);
      const isInfo = !op.effective || (op.f !== "read" && op.f !== "get" && rng.next() < infoRate);
      const r = op.result!;
      const type: OpType = isInfo ? "info" : r.ok ? "ok" : "fail";
      const isRead = op.f === "read" || op.f === "get";
      ops.push({
        process: op.process,
        type,
        f: op.f,
        ...key(op.key),
        value: isRead ? (type === "ok" ? r.output : null) : op.value,
        time: ev.at,
      });
      if (type === "info") idle.push(nextProcess++);
      else idle.push(op.process);
    }
    if (invoked < o.ops && idle.length > 0) {
      const p = idle.splice(rng.int(idle.length), 1)[0]!;
      const k = rng.int(keys);
      const f = pickF(kind, rng);
      let value: unknown = null;
      if (f === "write" || f === "put") value = kind === "kv" ? `v${unique++}` : unique++;
      if (f === "append") value = `.${unique++}`;
      if (f === "cas") {
        const cur = state.get(k);
        value = [rng.next() < 0.7 && cur != null ? Number(cur) : rng.int(Math.max(1, unique)), unique++];
      }
      const duration = 1 + rng.int(2 * meanDuration);
      const ret = now + duration;
      const lin = now + rng.next() * duration;
      // Some ops end in info; some of those never took effect at all (a timeout before the server saw them).
      const lost = rng.next() < infoRate / 2;
      inflight.push({ process: p, f, key: k, value, lin, ret, effective: !lost });
      ops.push({
        process: p,
        type: "invoke",
        f,
        ...key(k),
        value: f === "read" || f === "get" ? null : value,
        time: now,
      });
      invoked++;
    }
  }
  return indexed(ops);
}

function pickF(kind: Kind, rng: Rng): string {
  const r = rng.next();
  if (kind === "register") return r < 0.5 ? "read" : r < 0.8 ? "write" : "cas";
  return r < 0.5 ? "get" : r < 0.7 ? "put" : "append";
}

/** The last time in a history, so injected operations can come strictly after everything else. */
function endOf(h: History): number {
  return h.reduce((m, op) => Math.max(m, op.time ?? 0), 0);
}

function keyOf(h: History): { key?: string | number } {
  const withKey = h.find((op) => op.key !== undefined && op.key !== null);
  return withKey ? { key: withKey.key! } : {};
}

/** The value an ok write/put (not cas, not pending) stored in the key, with a later different ok write; or null. */
function twoCompletedWrites(h: History, key: { key?: string | number }): [unknown, unknown] | null {
  const writes = h.filter(
    (op) => op.type === "ok" && (op.f === "write" || op.f === "put") && (key.key === undefined || op.key === key.key),
  );
  return writes.length >= 2 ? [writes[0]!.value, writes[writes.length - 1]!.value] : null;
}

/**
 * Stale read: after everything else has returned, a fresh write W completes and then a read returns an older
 * completed write's value. Written values are unique, so the old write would have to follow W, yet it returned
 * before W began.
 */
export function injectStaleRead(h: History, kind: Kind): History {
  const key = keyOf(h);
  const pair = twoCompletedWrites(h, key);
  if (!pair) throw new Error("injectStaleRead: needs two completed writes");
  const t = endOf(h) + 10;
  const wf = kind === "kv" ? "put" : "write";
  const rf = kind === "kv" ? "get" : "read";
  const fresh = kind === "kv" ? "fresh-value" : 1_000_000;
  const p = 10_000;
  return indexed([
    ...h,
    { process: p, type: "invoke", f: wf, ...key, value: fresh, time: t },
    { process: p, type: "ok", f: wf, ...key, value: fresh, time: t + 1 },
    { process: p + 1, type: "invoke", f: rf, ...key, value: null, time: t + 2 },
    { process: p + 1, type: "ok", f: rf, ...key, value: pair[0], time: t + 3 },
  ]);
}

/**
 * Lost write: after everything else has returned, a write of a fresh value completes, then a read returns the
 * value before it (the last completed write's) as if the write never happened.
 */
export function injectLostWrite(h: History, kind: Kind): History {
  const key = keyOf(h);
  const pair = twoCompletedWrites(h, key);
  if (!pair) throw new Error("injectLostWrite: needs completed writes");
  const t = endOf(h) + 10;
  const wf = kind === "kv" ? "append" : "write";
  const rf = kind === "kv" ? "get" : "read";
  const p = 10_000;
  // kv: a put of a fresh value and then an acknowledged append whose suffix the final read lacks.
  const setup: Array<Omit<Op, "index">> =
    kind === "kv"
      ? [
          { process: p, type: "invoke", f: "put", ...key, value: "base", time: t },
          { process: p, type: "ok", f: "put", ...key, value: "base", time: t + 1 },
        ]
      : [];
  return indexed([
    ...h,
    ...setup,
    { process: p, type: "invoke", f: wf, ...key, value: kind === "kv" ? "+lost" : 2_000_000, time: t + 2 },
    { process: p, type: "ok", f: wf, ...key, value: kind === "kv" ? "+lost" : 2_000_000, time: t + 3 },
    { process: p + 1, type: "invoke", f: rf, ...key, value: null, time: t + 4 },
    { process: p + 1, type: "ok", f: rf, ...key, value: kind === "kv" ? "base" : pair[1], time: t + 5 },
  ]);
}

/** Phantom read: one ok read somewhere in the history returns a value nobody ever wrote. */
export function injectPhantomRead(h: History, rng: Rng): History {
  const reads = h.filter((op) => op.type === "ok" && (op.f === "read" || op.f === "get"));
  if (!reads.length) throw new Error("injectPhantomRead: needs an ok read");
  const victim = rng.pick(reads);
  return h.map((op) => (op === victim ? { ...op, value: "never-written" } : op));
}

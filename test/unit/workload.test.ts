import { describe, expect, it } from "vitest";
import { checkListAppend } from "../../src/checker/list-append/index.js";
import { type Arg, type CommandSession, keySlot } from "../../src/client/session.js";
import { UsageError } from "../../src/core/exit.js";
import { SeededRng } from "../../src/core/rng.js";
import type { History } from "../../src/history/op.js";
import { COUNTER_KEY } from "../../workloads/counter.js";
import { assignClients, createWorkload, DEFAULT_WORKLOADS, parseWorkloads, WORKLOADS } from "../../workloads/index.js";
import { APPENDS_PER_KEY, GROUPS, ListAppendWorkload, listKey, TXN_SHA } from "../../workloads/list-append.js";
import { INFLIGHT_KEY, QUEUE_KEY } from "../../workloads/queue.js";
import { CAS_SCRIPT, CAS_SHA, registerKey } from "../../workloads/register.js";
import { ELEMENTS_PER_SET, setKey } from "../../workloads/set.js";
import type { Invocation } from "../../workloads/workload.js";

/** A tiny in-memory server for the handful of commands the workloads send; records every command. */
class FakeSession implements CommandSession {
  readonly sent: Array<{ name: string; args: Arg[]; write: boolean }> = [];
  confirms = 0;
  private readonly strings = new Map<string, string>();
  private readonly sets = new Map<string, Set<string>>();
  private readonly lists = new Map<string, string[]>();
  /** Scripts by SHA-1, as a server caches what EVAL ran. */
  private readonly scripts = new Map<string, string>();

  async call(name: string, args: Arg[]): Promise<unknown> {
    this.sent.push({ name, args, write: false });
    return this.exec(name, args.map(String));
  }
  async write(name: string, args: Arg[]): Promise<unknown> {
    this.sent.push({ name, args, write: true });
    const r = this.exec(name, args.map(String));
    this.confirms++;
    return r;
  }
  async confirm(): Promise<void> {
    this.confirms++;
  }
  /** MULTI ... EXEC, in memory: the commands run one after another and their replies come back together. */
  async multi(commands: ReadonlyArray<readonly [string, Arg[]]>, key: string): Promise<unknown[]> {
    this.sent.push({ name: "multi", args: [key], write: false });
    return commands.map(([name, args]) => this.exec(name, args.map(String)));
  }

  private list(k: string): string[] {
    let l = this.lists.get(k);
    if (!l) this.lists.set(k, (l = []));
    return l;
  }

  private exec(name: string, a: string[]): unknown {
    switch (name) {
      case "get":
        return this.strings.get(a[0]!) ?? null;
      case "set":
        this.strings.set(a[0]!, a[1]!);
        return "OK";
      case "evalsha":
        if (!this.scripts.has(a[0]!))
          throw Object.assign(new Error("NOSCRIPT No matching script. Please use EVAL."), { name: "ReplyError" });
        return this.exec("eval", [this.scripts.get(a[0]!)!, ...a.slice(1)]);
      case "eval": {
        expect(a[0]).toBe(CAS_SCRIPT);
        this.scripts.set(CAS_SHA, a[0]!);
        const [, , key, from, to] = a;
        if (this.strings.get(key!) !== from) return 0;
        this.strings.set(key!, to!);
        return 1;
      }
      case "incrby": {
        const v = Number(this.strings.get(a[0]!) ?? 0) + Number(a[1]);
        this.strings.set(a[0]!, String(v));
        return v;
      }
      case "sadd": {
        const s = this.sets.get(a[0]!) ?? new Set();
        this.sets.set(a[0]!, s);
        s.add(a[1]!);
        return 1;
      }
      case "smembers":
        return [...(this.sets.get(a[0]!) ?? [])];
      case "lpush":
        this.list(a[0]!).unshift(a[1]!);
        return this.list(a[0]!).length;
      case "rpoplpush": {
        const job = this.list(a[0]!).pop();
        if (job === undefined) return null;
        this.list(a[1]!).unshift(job);
        return job;
      }
      case "lrange":
        return [...this.list(a[0]!)];
      case "rpush":
        this.list(a[0]!).push(a[1]!);
        return this.list(a[0]!).length;
      default:
        throw new Error(`fake server: ${name}`);
    }
  }
}

function generate(name: string, seed: number, n: number, opts = {}): Invocation[] {
  const w = createWorkload(name, opts);
  const rng = new SeededRng(seed);
  return Array.from({ length: n }, (_, i) => w.next(i % 5, rng));
}

describe("op generation", () => {
  it.each(Object.keys(WORKLOADS))("%s is deterministic for a seed and varies with it", (name) => {
    expect(generate(name, 42, 200)).toEqual(generate(name, 42, 200));
    expect(generate(name, 42, 200)).not.toEqual(generate(name, 43, 200));
  });

  it("register spreads reads, writes and cas [old,new] over --keys registers", () => {
    const ops = generate("register", 1, 2000, { keys: 3 });
    const fs = new Set(ops.map((o) => o.f));
    expect(fs).toEqual(new Set(["read", "write", "cas"]));
    expect(new Set(ops.map((o) => o.key))).toEqual(new Set([0, 1, 2].map(registerKey)));
    for (const o of ops.filter((o) => o.f === "cas")) expect(o.value).toEqual([expect.any(Number), expect.any(Number)]);
    expect(generate("register", 1, 500).every((o) => Number(String(o.key).match(/\d+/)![0]) < 8)).toBe(true);
  });

  it("register refuses a non-positive key count", () => {
    expect(() => createWorkload("register", { keys: 0 })).toThrow(RangeError);
  });

  it("set adds unique elements, at most ELEMENTS_PER_SET per set, and reads recent sets", () => {
    const ops = generate("set", 3, 3000);
    const adds = ops.filter((o) => o.f === "add");
    expect(new Set(adds.map((o) => o.value)).size).toBe(adds.length);
    const perKey = new Map<unknown, number>();
    for (const o of adds) perKey.set(o.key, (perKey.get(o.key) ?? 0) + 1);
    for (const n of perKey.values()) expect(n).toBeLessThanOrEqual(ELEMENTS_PER_SET);
    expect(perKey.size).toBeGreaterThan(3);
    expect(ops.some((o) => o.f === "read")).toBe(true);
  });

  it("queue enqueues unique jobs and dequeues", () => {
    const ops = generate("queue", 5, 500);
    const jobs = ops.filter((o) => o.f === "enqueue").map((o) => o.value);
    expect(new Set(jobs).size).toBe(jobs.length);
    expect(ops.some((o) => o.f === "dequeue")).toBe(true);
  });

  it("counter adds small positive deltas and reads", () => {
    const ops = generate("counter", 9, 500);
    for (const o of ops.filter((o) => o.f === "add")) expect(o.value).toBeGreaterThanOrEqual(1);
    expect(ops.some((o) => o.f === "read")).toBe(true);
  });
});

describe("applying ops", () => {
  it("register: write, read, cas that succeeds is ok and confirmed, cas that does not is fail", async () => {
    const w = createWorkload("register");
    const s = new FakeSession();
    const k = registerKey(0);
    expect(await w.apply(s, { f: "read", key: k })).toEqual({ type: "ok", value: null });
    expect(await w.apply(s, { f: "write", key: k, value: 3 })).toEqual({ type: "ok", value: 3 });
    expect(await w.apply(s, { f: "read", key: k })).toEqual({ type: "ok", value: 3 });
    expect(await w.apply(s, { f: "cas", key: k, value: [3, 4] })).toEqual({ type: "ok", value: [3, 4] });
    expect(s.confirms).toBe(2);
    expect(await w.apply(s, { f: "cas", key: k, value: [3, 1] })).toEqual({
      type: "fail",
      value: [3, 1],
      error: "cas: value was not 3",
    });
    expect(s.confirms).toBe(2);
    // The first cas found no cached script and sent the body; the next went by digest alone.
    expect(s.sent.filter((c) => c.name.startsWith("eval")).map((c) => c.name)).toEqual(["evalsha", "eval", "evalsha"]);
    await expect(w.apply(s, { f: "nope", key: k })).rejects.toThrow(/cannot apply/);
  });

  it("set: adds are writes; reads return sorted numbers; final reads cover every set used", async () => {
    const w = createWorkload("set");
    const rng = new SeededRng(2);
    const s = new FakeSession();
    const added: number[] = [];
    while (added.length < ELEMENTS_PER_SET + 10) {
      const op = w.next(0, rng);
      await w.apply(s, op);
      if (op.f === "add") added.push(op.value as number);
    }
    expect(s.sent.filter((c) => c.name === "sadd").every((c) => c.write)).toBe(true);
    const finals = w.finalReads();
    expect(finals.map((f) => f.key)).toEqual([setKey(0), setKey(1)]);
    const all: number[] = [];
    for (const f of finals) {
      const r = await w.apply(s, f);
      expect(r.type).toBe("ok");
      const v = r.value as number[];
      expect(v).toEqual(v.slice().sort((a, b) => a - b));
      all.push(...v);
    }
    expect(all.sort((a, b) => a - b)).toEqual(added.sort((a, b) => a - b));
  });

  it("counter: INCRBY is a write; reads and the final read return numbers", async () => {
    const w = createWorkload("counter");
    const s = new FakeSession();
    expect(await w.apply(s, { f: "final-read", key: COUNTER_KEY })).toEqual({ type: "ok", value: 0 });
    await w.apply(s, { f: "add", key: COUNTER_KEY, value: 2 });
    await w.apply(s, { f: "add", key: COUNTER_KEY, value: 3 });
    expect(await w.apply(s, { f: "read", key: COUNTER_KEY })).toEqual({ type: "ok", value: 5 });
    expect(s.sent.filter((c) => c.name === "incrby").every((c) => c.write)).toBe(true);
    expect(w.finalReads()).toEqual([{ f: "final-read", key: COUNTER_KEY }]);
  });

  it("queue: FIFO through RPOPLPUSH, empty dequeue is ok null, drains read queue and in-flight list", async () => {
    const w = createWorkload("queue");
    const s = new FakeSession();
    await w.apply(s, { f: "enqueue", key: QUEUE_KEY, value: 1 });
    await w.apply(s, { f: "enqueue", key: QUEUE_KEY, value: 2 });
    expect(await w.apply(s, { f: "dequeue", key: QUEUE_KEY })).toEqual({ type: "ok", value: 1 });
    const [drain, inflight] = w.finalReads();
    expect(await w.apply(s, drain!)).toEqual({ type: "ok", value: [2] });
    expect(await w.apply(s, inflight!)).toEqual({ type: "ok", value: [1] });
    expect(await w.apply(s, { f: "dequeue", key: QUEUE_KEY })).toEqual({ type: "ok", value: 2 });
    expect(await w.apply(s, { f: "dequeue", key: QUEUE_KEY })).toEqual({ type: "ok", value: null });
    expect(s.sent.filter((c) => c.name === "rpoplpush").every((c) => c.write && c.args[1] === INFLIGHT_KEY)).toBe(true);
  });

  it("each workload declares its checker", () => {
    expect(
      createWorkload("register")
        .checkers()
        .map((c) => c.name),
    ).toEqual(["linearizable"]);
    expect(
      createWorkload("set")
        .checkers()
        .map((c) => c.name),
    ).toEqual(["set"]);
    expect(
      createWorkload("counter")
        .checkers()
        .map((c) => c.name),
    ).toEqual(["counter"]);
    expect(
      createWorkload("queue")
        .checkers()
        .map((c) => c.name),
    ).toEqual(["queue"]);
  });
});

describe("registry and client split", () => {
  it("parses the default and comma lists", () => {
    expect(parseWorkloads(DEFAULT_WORKLOADS)).toEqual(["register", "set"]);
    expect(parseWorkloads(" counter, queue ")).toEqual(["counter", "queue"]);
  });

  it("refuses unknown, repeated or empty lists with a usage error", () => {
    expect(() => parseWorkloads("register,bank")).toThrow(UsageError);
    expect(() => parseWorkloads("set,set")).toThrow(/twice/);
    expect(() => parseWorkloads(" , ")).toThrow(UsageError);
    expect(() => createWorkload("bank")).toThrow(UsageError);
  });

  it("splits clients round-robin and refuses too few", () => {
    expect(assignClients(5, ["register", "set"])).toEqual(["register", "set", "register", "set", "register"]);
    expect(assignClients(1, ["queue"])).toEqual(["queue"]);
    expect(() => assignClients(1, ["register", "set"])).toThrow(/too low/);
    expect(() => assignClients(0, ["set"])).toThrow(UsageError);
  });
});

describe("the seeded rng", () => {
  it("is repeatable, in range, and shuffles without losing items", () => {
    const a = new SeededRng(123);
    const b = new SeededRng(123);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    const r = new SeededRng(5);
    const items = [1, 2, 3, 4, 5, 6];
    const sh = r.shuffle(items);
    expect(sh.slice().sort()).toEqual(items);
    expect(items).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => r.int(0)).toThrow(RangeError);
    expect(() => r.pick([])).toThrow(RangeError);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.int(3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(900);
  });
});

describe("list-append workload", () => {
  it("transactions stay in one hash tag, keys retire after a bounded length, and a serial run checks valid", async () => {
    const w = new ListAppendWorkload();
    const rng = new SeededRng(7);
    const s = new FakeSession();
    const history: History = [];
    const appendsPerKey = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const inv = w.next(0, rng);
      const mops = inv.value as Array<[string, number, unknown]>;
      expect(mops.length).toBeGreaterThanOrEqual(1);
      expect(mops.length).toBeLessThanOrEqual(4);
      expect(new Set(mops.map((m) => keySlot(listKey(m[1])))).size).toBe(1);
      for (const m of mops) if (m[0] === "append") appendsPerKey.set(m[1], (appendsPerKey.get(m[1]) ?? 0) + 1);
      const done = await w.apply(s, inv);
      history.push({ index: 2 * i, time: 2 * i, process: 0, type: "invoke", f: "txn", value: inv.value });
      history.push({ index: 2 * i + 1, time: 2 * i + 1, process: 0, type: done.type, f: "txn", value: done.value });
    }
    expect(Math.max(...appendsPerKey.values())).toBeLessThanOrEqual(APPENDS_PER_KEY);
    expect(appendsPerKey.size).toBeGreaterThan(GROUPS);
    const finals = w.finalReads();
    expect(finals.length).toBe(Math.max(...appendsPerKey.keys()) + 1);
    const r = checkListAppend(history);
    expect(r.valid).toBe(true);
    expect(s.sent.filter((c) => c.name === "multi")).toHaveLength(2000);
    for (const inv of history.filter((o) => o.type !== "invoke")) expect(w.checkOp(inv)).toBeUndefined();
  });

  it("--txn lua sends one script per transaction, by digest", async () => {
    const w = createWorkload("list-append", { txn: "lua" });
    const sent: Array<{ name: string; args: Arg[] }> = [];
    const session: CommandSession = {
      call: async (name, args) => {
        sent.push({ name, args });
        return [1, ["5"]];
      },
      write: async () => null,
      confirm: async () => {},
      multi: async () => {
        throw new Error("not in lua mode");
      },
    };
    const done = await w.apply(session, {
      f: "txn",
      value: [
        ["append", 3, 9],
        ["r", 3, null],
      ],
    });
    expect(sent[0]).toEqual({ name: "evalsha", args: [TXN_SHA, 2, listKey(3), listKey(3), "a", "9", "r", ""] });
    expect(done).toEqual({
      type: "ok",
      value: [
        ["append", 3, 9],
        ["r", 3, [5]],
      ],
    });
  });

  it("computes Redis Cluster slots as the server does", () => {
    expect(keySlot("123456789")).toBe(12739);
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("a{foo}b")).toBe(keySlot("foo"));
    expect(keySlot("a{}b")).toBe(keySlot("a{}b"));
  });
});

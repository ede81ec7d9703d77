import { spawnSync } from "node:child_process";
import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { DEFAULT_OP_TIMEOUT_MS, honestClusterOptions, honestRedisOptions } from "../../src/client/connect.js";
import {
  assertSupported,
  confirmationCommand,
  durabilityFrom,
  engineFromInfo,
  type ServerFacts,
  shortfall,
} from "../../src/client/durability.js";
import { IndeterminateError } from "../../src/client/outcome.js";
import { type Arg, Session, type TrackedSession } from "../../src/client/session.js";
import { UsageError } from "../../src/core/exit.js";
import { opDeadlineMs, perform } from "../../src/runner/perform.js";
import type { Completion, Invocation, RedisClient, Workload } from "../../workloads/workload.js";

describe("honest client options", () => {
  it("never queue, retry or resend; time out every command", () => {
    const o = honestRedisOptions({ opTimeoutMs: DEFAULT_OP_TIMEOUT_MS });
    expect(o).toMatchObject({
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      reconnectOnError: null,
      commandTimeout: 1000,
      connectTimeout: 1000,
    });
    // Reconnecting is allowed (nothing is replayed), with a bounded delay.
    const retry = o.retryStrategy as (n: number) => number;
    expect(retry(1)).toBe(50);
    expect(retry(100)).toBe(500);
  });

  it("cluster: follow one redirection, never re-send after a closed connection or CLUSTERDOWN", () => {
    const c = honestClusterOptions({ opTimeoutMs: 250, connectTimeoutMs: 2000 });
    expect(c).toMatchObject({
      enableOfflineQueue: false,
      maxRedirections: 1,
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      scaleReads: "master",
      slotsRefreshTimeout: 2000,
    });
    expect(c.redisOptions).toMatchObject({ enableOfflineQueue: false, commandTimeout: 250, connectTimeout: 2000 });
  });
});

describe("durability flags", () => {
  it("defaults to the primary's reply", () => {
    expect(durabilityFrom({})).toEqual({ kind: "primary" });
    expect(confirmationCommand({ kind: "primary" })).toBeUndefined();
  });

  it("--wait n with the wait timeout", () => {
    const d = durabilityFrom({ wait: 2, waitTimeoutMs: 300 });
    expect(d).toEqual({ kind: "wait", replicas: 2, timeoutMs: 300 });
    expect(confirmationCommand(d)).toEqual({ name: "wait", args: [2, 300] });
  });

  it("--waitaof local replicas", () => {
    const d = durabilityFrom({ waitaof: [1, 1] });
    expect(d).toEqual({ kind: "waitaof", local: 1, replicas: 1, timeoutMs: 1000 });
    expect(confirmationCommand(d)).toEqual({ name: "waitaof", args: [1, 1, 1000] });
  });

  it.each([
    [{ wait: 0 }, /--wait needs/],
    [{ wait: 1.5 }, /--wait needs/],
    [{ wait: 1, waitTimeoutMs: 0 }, /positive/],
    [{ wait: 1, waitaof: [0, 1] as [number, number] }, /cannot be combined/],
    [{ waitaof: [2, 1] as [number, number] }, /must be 0 or 1/],
    [{ waitaof: [0, 0] as [number, number] }, /not both zero/],
    [{ waitaof: [0, -1] as [number, number] }, />= 0/],
  ])("refuses %j", (flags, message) => {
    expect(() => durabilityFrom(flags)).toThrow(UsageError);
    expect(() => durabilityFrom(flags)).toThrow(message);
  });
});

describe("durability replies", () => {
  const wait2 = { kind: "wait", replicas: 2, timeoutMs: 100 } as const;
  const aof = { kind: "waitaof", local: 1, replicas: 1, timeoutMs: 100 } as const;

  it("WAIT reaching n replicas is enough; fewer says what was reached", () => {
    expect(shortfall(wait2, 2)).toBeUndefined();
    expect(shortfall(wait2, 3)).toBeUndefined();
    expect(shortfall(wait2, 1)).toBe(
      "durability: written on the primary, but WAIT reached 1 of 2 replica(s) within 100 ms",
    );
    expect(shortfall(wait2, "x")).toMatch(/unexpected reply/);
  });

  it("WAITAOF needs both counts", () => {
    expect(shortfall(aof, [1, 1])).toBeUndefined();
    expect(shortfall(aof, [0, 1])).toMatch(/fsynced locally 0\/1 and on 1\/1/);
    expect(shortfall(aof, [1, 0])).toMatch(/on 0\/1 replica/);
    expect(shortfall(aof, 3)).toMatch(/unexpected reply/);
  });
});

describe("engine detection and capability refusal", () => {
  it("reads engine and version from INFO server", () => {
    expect(engineFromInfo("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n")).toEqual({
      engine: "redis",
      version: "7.0.15",
    });
    expect(engineFromInfo("redis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\n")).toEqual({
      engine: "valkey",
      version: "8.0.1",
    });
    expect(engineFromInfo("redis_version:7.4.0\r\ndragonfly_version:df-v1.21.2\r\n")).toEqual({
      engine: "dragonfly",
      version: "1.21.2",
    });
  });

  const redis70: ServerFacts = {
    engine: "redis",
    version: "7.0.15",
    commands: { wait: true, waitaof: false },
    appendonly: false,
  };
  const valkey: ServerFacts = {
    engine: "valkey",
    version: "8.0.1",
    commands: { wait: true, waitaof: true },
    appendonly: false,
  };

  it("refuses WAITAOF where COMMAND INFO does not know it, naming engine and version", () => {
    expect(() => assertSupported(durabilityFrom({ waitaof: [0, 1] }), redis70)).toThrow(
      "--waitaof needs the WAITAOF command, which redis 7.0.15 does not offer (COMMAND INFO waitaof is empty)",
    );
    expect(() => assertSupported(durabilityFrom({ waitaof: [0, 1] }), valkey)).not.toThrow();
  });

  it("refuses a local AOF fsync without appendonly", () => {
    expect(() => assertSupported(durabilityFrom({ waitaof: [1, 0] }), valkey)).toThrow(/appendonly no/);
    expect(() => assertSupported(durabilityFrom({ waitaof: [1, 0] }), { ...valkey, appendonly: true })).not.toThrow();
  });

  it("refuses WAIT only where the server lacks it", () => {
    expect(() => assertSupported(durabilityFrom({ wait: 1 }), redis70)).not.toThrow();
    expect(() => assertSupported(durabilityFrom({ wait: 1 }), { ...redis70, commands: { wait: false } })).toThrow(
      /WAIT command/,
    );
  });
});

/** A session whose next op writes (or not) and then throws or returns what the test says. */
class ScriptedSession implements TrackedSession {
  written = false;
  node: string | undefined;
  begun = 0;
  get attempt() {
    return { written: this.written };
  }
  begin(): void {
    this.begun++;
    this.written = false;
    this.node = undefined;
  }
  async call(_name: string, _args: Arg[]): Promise<unknown> {
    return null;
  }
  async write(_name: string, _args: Arg[]): Promise<unknown> {
    return null;
  }
  async confirm(): Promise<void> {}
  async multi(): Promise<unknown[]> {
    return [];
  }
}

function workloadDoing(fn: (s: ScriptedSession) => Promise<Completion>): Workload {
  return {
    name: "scripted",
    commands: "whatever the script sends",
    next: () => ({ f: "x" }),
    apply: (s) => fn(s as ScriptedSession),
    finalReads: () => [],
    checkers: () => [],
    checkOp: () => undefined,
  };
}

const op: Invocation = { f: "write", key: "k", value: 1 };

describe("perform: one op to one completion", () => {
  it("passes ok and fail completions through, with the node", async () => {
    const s = new ScriptedSession();
    const w = workloadDoing(async (s) => {
      s.written = true;
      s.node = "10.0.0.2:6379";
      return { type: "ok", value: 7 };
    });
    expect(await perform(s, w, op, 1000)).toEqual({ type: "ok", value: 7, node: "10.0.0.2:6379" });
    expect(s.begun).toBe(1);
    const f = workloadDoing(async () => ({ type: "fail", value: [1, 2], error: "cas: value was not 1" }));
    expect(await perform(s, f, op, 1000)).toEqual({ type: "fail", value: [1, 2], error: "cas: value was not 1" });
    // The workload's own fail is an answer, not a refusal: the runner must not back off from it.
    expect((await perform(s, f, op, 1000)).refused).toBeUndefined();
  });

  it("classifies thrown errors using what the session saw", async () => {
    const closed = (written: boolean) =>
      workloadDoing(async (s) => {
        s.written = written;
        if (written) s.node = "10.0.0.3:6379";
        throw new Error("Connection is closed.");
      });
    expect(await perform(new ScriptedSession(), closed(false), op, 1000)).toEqual({
      type: "fail",
      error: "Connection is closed.",
      refused: true,
    });
    expect(await perform(new ScriptedSession(), closed(true), op, 1000)).toEqual({
      type: "info",
      error: "Connection is closed.",
      node: "10.0.0.3:6379",
    });
    const readonly = workloadDoing(async (s) => {
      s.written = true;
      throw new ReplyError("READONLY You can't write against a read only replica.");
    });
    expect(await perform(new ScriptedSession(), readonly, op, 1000)).toMatchObject({ type: "fail", refused: true });
    const unsafe = workloadDoing(async (s) => {
      s.written = true;
      throw new IndeterminateError(
        "durability: written on the primary, but WAIT reached 0 of 1 replica(s) within 5 ms",
      );
    });
    expect(await perform(new ScriptedSession(), unsafe, op, 1000)).toMatchObject({
      type: "info",
      error: expect.stringMatching(/WAIT reached 0/),
    });
  });

  it("an op that never settles is info at the deadline", async () => {
    const hang = workloadDoing(() => new Promise<Completion>(() => undefined));
    const out = await perform(new ScriptedSession(), hang, op, 20);
    expect(out).toEqual({ type: "info", error: "Command timed out (op deadline of 20 ms)" });
  });

  it("a late rejection after the deadline does not escape", async () => {
    const late = workloadDoing(
      () => new Promise<Completion>((_, reject) => setTimeout(() => reject(new Error("late")), 30)),
    );
    expect((await perform(new ScriptedSession(), late, op, 5)).type).toBe("info");
    await new Promise((r) => setTimeout(r, 50));
  });

  it("ops sharing a deadline length each time out on their own, never early, and settled ones are left alone", async () => {
    const hang = workloadDoing(() => new Promise<Completion>(() => undefined));
    const quick = workloadDoing(async () => ({ type: "ok", value: 1 }));
    const t0 = performance.now();
    const first = perform(new ScriptedSession(), hang, op, 40);
    await new Promise((r) => setTimeout(r, 25));
    const second = perform(new ScriptedSession(), hang, op, 40);
    expect(await perform(new ScriptedSession(), quick, op, 40)).toMatchObject({ type: "ok", value: 1 });
    expect(await first).toMatchObject({ type: "info" });
    const t1 = performance.now();
    expect(await second).toMatchObject({ type: "info", error: "Command timed out (op deadline of 40 ms)" });
    const t2 = performance.now();
    expect(t1 - t0).toBeGreaterThanOrEqual(39);
    expect(t2 - t0).toBeGreaterThanOrEqual(64);
  });

  it("a settled op's deadline does not keep a process alive", () => {
    // A child that performs one quick op with a 60 s deadline must exit at once, as it did with a timer per op.
    const script = `
      import { perform } from ${JSON.stringify(new URL("../../src/runner/perform.ts", import.meta.url).pathname)};
      const s = { begin() {}, attempt: { written: true }, node: undefined, call: async () => 1, write: async () => 1, confirm: async () => {} };
      const w = { apply: async () => ({ type: "ok", value: 1 }) };
      const out = await perform(s, w, { f: "read" }, 60000);
      console.log(out.type);`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.stdout.trim()).toBe("ok");
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it("a command times out as ioredis' own timeout would: first timeout wins, answered commands stand it down", async () => {
    const sent: Array<{ setTimeout(ms: number): void; resolve(v: unknown): void }> = [];
    // What ioredis' sendCommand does with commandTimeout: sets it (the session's own, set first, wins) and writes.
    const client = {
      sendCommand: (c: (typeof sent)[number]) => (c.setTimeout(60_000), sent.push(c)),
    } as unknown as RedisClient;
    const s = new Session(client, { opTimeoutMs: 60_000, durability: { kind: "primary" } });
    s.begin();
    const t0 = performance.now();
    await expect(s.call("get", ["k"], 30)).rejects.toThrow(/^Command timed out$/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    const answered = s.call("get", ["k"], 30);
    sent[1]!.resolve(Buffer.from("v"));
    expect(await answered).toBe("v");
    await new Promise((r) => setTimeout(r, 50));
  });

  it("the deadline leaves room for every command and the WAIT", () => {
    expect(opDeadlineMs(1000)).toBeGreaterThan(1000);
    expect(opDeadlineMs(1000, 500)).toBeGreaterThan(1500);
  });
});

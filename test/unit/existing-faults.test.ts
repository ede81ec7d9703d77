import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configNemesis, configValue, parseConfigSet } from "../../nemeses/config.js";
import { debugSleepNemesis } from "../../nemeses/debug-sleep.js";
import { failoverNemesis, replicasInRole } from "../../nemeses/failover.js";
import type { Cluster, Node } from "../../src/core/cluster.js";
import { UsageError } from "../../src/core/exit.js";
import { SeededRng } from "../../src/core/rng.js";
import type { NemesisContext } from "../../src/nemesis/nemesis.js";
import { buildTimeline } from "../../src/report/timeline.js";
import {
  appendMark,
  LISTENING_FILE,
  MARKS_FILE,
  markMoment,
  markTarget,
  markText,
  parseMarkLine,
} from "../../src/rundir/marks.js";
import { runPlanOf as plan, refusal } from "./support/runPlan.js";

const E = ["--endpoint", "redis://10.0.0.1:6379"];

describe("fault options by command", () => {
  it("parses --config-set into ordered pairs, values verbatim", () => {
    expect(parseConfigSet("appendfsync=no, Min-Replicas-To-Write=0,save=")).toEqual([
      ["appendfsync", "no"],
      ["min-replicas-to-write", "0"],
      ["save", ""],
    ]);
    const p = plan([...E, "--nemesis", "config", "--config-set", "appendfsync=no"]);
    expect(p.nemesisOptions.configSet).toEqual([["appendfsync", "no"]]);
  });

  it("refuses settings that hold secrets, cut the run off or name files, and malformed pairs", () => {
    expect(() => parseConfigSet("requirepass=x")).toThrow(/credential/);
    expect(() => parseConfigSet("masterauth=x")).toThrow(/credential/);
    expect(() => parseConfigSet("port=7000")).toThrow(/cut the run off/);
    expect(() => parseConfigSet("dir=/tmp")).toThrow(/names files/);
    expect(() => parseConfigSet("appendfsync")).toThrow(/name=value/);
    expect(() => parseConfigSet("a=1,a=2")).toThrow(/twice/);
    expect(() => parseConfigSet(" , ")).toThrow(/empty/);
    expect(refusal([...E, "--nemesis", "config"])).toContain("--config-set");
    expect(refusal([...E, "--nemesis", "config", "--config-set", "requirepass=x"])).toContain("credential");
  });

  it("bounds --debug-sleep", () => {
    expect(plan([...E, "--nemesis", "debug-sleep", "--debug-sleep", "2.5"]).nemesisOptions.debugSleepMs).toBe(2500);
    expect(refusal([...E, "--nemesis", "debug-sleep", "--debug-sleep", "0"])).toContain("--debug-sleep");
    expect(refusal([...E, "--nemesis", "debug-sleep", "--debug-sleep", "600"])).toContain("at most 60");
  });

  it("lets failover through on --endpoint (replicas are asked for later) but not on a managed single node", () => {
    expect(plan([...E, "--nemesis", "failover"]).nemeses).toEqual(["failover"]);
    expect(refusal(["--topology", "single", "--nemesis", "failover"])).toContain("needs a replica");
  });

  it("reads CONFIG GET replies and ROLE's replica list", () => {
    expect(configValue("appendfsync\neverysec", "appendfsync")).toBe("everysec");
    expect(configValue("save", "save")).toBe("");
    expect(configValue("", "nosuch")).toBeUndefined();
    expect(replicasInRole(["master", 10, [["10.0.0.2", "6379", "10"]]])).toEqual([{ host: "10.0.0.2", port: 6379 }]);
    expect(replicasInRole(["slave", "10.0.0.1", 6379, "connected", 5])).toEqual([]);
  });
});

/** A tiny server behind NemesisContext.command: CONFIG, ACL, DEBUG and FAILOVER as a user with `denied` commands. */
function fakeServer(opts: {
  denied?: string[];
  config?: Record<string, string>;
  role?: unknown[];
  noFailover?: boolean;
  noSleep?: boolean;
}) {
  const config = { ...(opts.config ?? {}) };
  const sent: string[] = [];
  const node: Node = {
    name: "n1",
    kind: "data",
    ip: "10.0.0.1",
    port: 6379,
    containerId: "",
    dataDir: "",
    exec: async () => ({ exitCode: 1, stdout: "", stderr: "" }),
    startDb: async () => undefined,
    signalDb: async () => undefined,
    dbRunning: async () => true,
    dbLog: async () => "",
  };
  const refuse = (what: string) => {
    throw new Error(`NOPERM this user has no permissions to run the '${what}' command`);
  };
  const ctx: NemesisContext = {
    cluster: {
      runId: "r",
      db: "redis",
      topology: "single",
      nodes: [node],
      sentinels: [],
      endpoints: { kind: "single", host: node.ip, port: node.port, node: "n1" },
      primary: async () => node,
      primaries: async () => [node],
      nodeByAddress: () => node,
    } as unknown as Cluster,
    allows: { nodeControl: false, resourceStats: false },
    rng: new SeededRng(1),
    log: () => undefined,
    command: async (_host, _port, args) => {
      sent.push(args.join(" "));
      const [cmd, sub, ...rest] = args.map(String);
      const full = `${cmd}|${sub}`.toLowerCase();
      if (cmd === "ACL" && sub === "WHOAMI") return "tester";
      if (cmd === "ACL" && sub === "DRYRUN") {
        const asked = `${rest[1]}|${rest[2]}`.toLowerCase();
        return opts.denied?.some((d) => asked.startsWith(d))
          ? `This user has no permissions to run the '${asked}' command`
          : "OK";
      }
      if (opts.denied?.some((d) => full.startsWith(d))) refuse(full);
      if (cmd === "CONFIG" && sub === "GET") return rest[0]! in config ? [rest[0], config[rest[0]!]] : [];
      if (cmd === "CONFIG" && sub === "SET") {
        config[rest[0]!] = rest[1]!;
        return "OK";
      }
      if (cmd === "DEBUG" && sub === "HELP")
        return opts.noSleep ? ["DEBUG <subcommand>", "OBJECT <key>"] : ["DEBUG <subcommand>", "SLEEP <seconds>"];
      if (cmd === "DEBUG") return "OK";
      if (cmd === "FAILOVER") {
        if (opts.noFailover) throw new Error("ERR unknown command 'FAILOVER', with args beginning with: 'ABORT' ");
        throw new Error("ERR No failover in progress.");
      }
      if (cmd === "ROLE") return opts.role ?? ["master", 0, []];
      throw new Error(`ERR unknown command '${cmd}'`);
    },
  };
  return { ctx, config, sent };
}

describe("config fault", () => {
  it("flips the settings, records the originals and puts them back at stop", async () => {
    const s = fakeServer({ config: { appendfsync: "everysec", "min-replicas-to-write": "0" } });
    const n = configNemesis({
      configSet: [
        ["appendfsync", "no"],
        ["min-replicas-to-write", "1"],
      ],
    });
    expect(await n.unavailable!(s.ctx)).toBeUndefined();
    const started = (await n.start(s.ctx)) as { changes: Array<{ original: string; flipped: string }> };
    expect(started.changes.map((c) => [c.original, c.flipped])).toEqual([
      ["everysec", "no"],
      ["0", "1"],
    ]);
    expect(s.config).toEqual({ appendfsync: "no", "min-replicas-to-write": "1" });
    await n.stop(s.ctx);
    expect(s.config).toEqual({ appendfsync: "everysec", "min-replicas-to-write": "0" });
    // Nothing flipped: the heal sends nothing.
    const before = s.sent.length;
    await n.healAll(s.ctx);
    expect(s.sent.length).toBe(before);
    const record = n.record!() as Array<{ setting: string; original: string; restoredAt?: string }>;
    expect(record.map((r) => [r.setting, r.original, !!r.restoredAt])).toEqual([
      ["appendfsync", "everysec", true],
      ["min-replicas-to-write", "0", true],
    ]);
    expect(s.sent.some((c) => /REWRITE/i.test(c))).toBe(false);
  });

  it("heals a flip that was never stopped (Ctrl-C, teardown)", async () => {
    const s = fakeServer({ config: { appendfsync: "always" } });
    const n = configNemesis({ configSet: [["appendfsync", "no"]] });
    await n.start(s.ctx);
    expect(s.config.appendfsync).toBe("no");
    await n.healAll(s.ctx);
    expect(s.config.appendfsync).toBe("always");
  });

  it("is refused up front with the server's reason", async () => {
    const noConfig = fakeServer({ denied: ["config"], config: { appendfsync: "always" } });
    expect(await configNemesis({ configSet: [["appendfsync", "no"]] }).unavailable!(noConfig.ctx)).toMatch(
      /refuses CONFIG GET appendfsync: NOPERM/,
    );
    const noSet = fakeServer({ denied: ["config|set"], config: { appendfsync: "always" } });
    expect(await configNemesis({ configSet: [["appendfsync", "no"]] }).unavailable!(noSet.ctx)).toMatch(
      /refuses CONFIG SET/,
    );
    const unknown = fakeServer({ config: {} });
    expect(await configNemesis({ configSet: [["nosuch", "1"]] }).unavailable!(unknown.ctx)).toMatch(
      /has no setting nosuch/,
    );
  });
});

describe("debug-sleep and failover refusals", () => {
  it("debug-sleep asks DEBUG HELP and says the server's words", async () => {
    expect(await debugSleepNemesis().unavailable!(fakeServer({}).ctx)).toBeUndefined();
    expect(await debugSleepNemesis().unavailable!(fakeServer({ denied: ["debug"] }).ctx)).toMatch(
      /refuses DEBUG: NOPERM/,
    );
    expect(await debugSleepNemesis().unavailable!(fakeServer({ noSleep: true }).ctx)).toMatch(/has no SLEEP/);
    const s = fakeServer({});
    const v = (await debugSleepNemesis({ debugSleepMs: 1500 }).start(s.ctx)) as { sleptMs: number };
    expect(v.sleptMs).toBe(1500);
    expect(s.sent).toContain("DEBUG SLEEP 1.5");
  });

  it("failover on --endpoint needs FAILOVER and a connected replica", async () => {
    const withReplica = { role: ["master", 0, [["10.0.0.2", "6379", "0"]]] };
    expect(await failoverNemesis().unavailable!(fakeServer(withReplica).ctx)).toBeUndefined();
    expect(await failoverNemesis().unavailable!(fakeServer({ ...withReplica, noFailover: true }).ctx)).toMatch(
      /refuses FAILOVER: ERR unknown command/,
    );
    expect(await failoverNemesis().unavailable!(fakeServer({ ...withReplica, denied: ["failover"] }).ctx)).toMatch(
      /NOPERM/,
    );
    expect(await failoverNemesis().unavailable!(fakeServer({}).ctx)).toMatch(/no connected replica/);
  });
});

describe("marks", () => {
  const root = mkdtempSync(join(tmpdir(), "splitbrain-marks-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("takes one plain line of text", () => {
    expect(markText(["pressed", "failover\nin the console"])).toBe("pressed failover in the console");
    expect(() => markText(["  "])).toThrow(UsageError);
    expect(() => markText(["x".repeat(501)])).toThrow(/at most 500/);
  });

  it("reads mark lines and skips what is not one", () => {
    expect(parseMarkLine('{"at":"2026-01-01T00:00:00Z","text":"a"}')).toEqual({
      at: "2026-01-01T00:00:00Z",
      text: "a",
    });
    expect(parseMarkLine("garbage")).toEqual({ problem: "not JSON" });
    expect(parseMarkLine('{"text":"a"}')).toHaveProperty("problem");
    expect(parseMarkLine('{"at":"yesterday-ish","text":"a"}')).toHaveProperty("problem");
  });

  it("places a mark on the run's clock, never before its start or after now", () => {
    expect(markMoment(9_000, 10_000, 5e9)).toBe(4e9);
    expect(markMoment(0, 10_000, 5e9)).toBe(0);
    expect(markMoment(11_000, 10_000, 5e9)).toBe(5e9);
  });

  it("finds the one run that is recording, and refuses none, several, or a stopped one", () => {
    const results = join(root, "results");
    mkdirSync(results);
    expect(() => markTarget({ results })).toThrow(/no run under/);
    const live = join(results, "run-a");
    const dead = join(results, "run-b");
    for (const d of [live, dead]) {
      mkdirSync(d);
      writeFileSync(join(d, "test.json"), "{}");
    }
    writeFileSync(join(live, LISTENING_FILE), JSON.stringify({ pid: process.pid }));
    // A pid far above pid_max: no such process.
    writeFileSync(join(dead, LISTENING_FILE), JSON.stringify({ pid: 2 ** 30 }));
    expect(markTarget({ results })).toBe(live);
    expect(() => markTarget({ results, run: dead })).toThrow(/not recording now/);
    appendMark(live, { at: "2026-01-01T00:00:00Z", text: "x" });
    expect(readFileSync(join(live, MARKS_FILE), "utf8")).toBe('{"at":"2026-01-01T00:00:00Z","text":"x"}\n');
    const other = join(results, "run-c");
    mkdirSync(other);
    writeFileSync(join(other, LISTENING_FILE), JSON.stringify({ pid: process.pid }));
    expect(() => markTarget({ results })).toThrow(/2 runs/);
  });

  it("shows marks on the report's timeline, apart from faults", () => {
    const t = buildTimeline([
      { index: 0, process: 0, type: "invoke", f: "write", value: 1, time: 0 },
      { index: 1, process: 0, type: "ok", f: "write", value: 1, time: 1e9 },
      { index: 2, process: "nemesis", type: "info", f: "mark", value: { text: "pressed it" }, time: 5e8 },
    ]);
    expect(t.marks).toEqual([{ at: 5e8, text: "pressed it" }]);
    expect(t.faults).toEqual([]);
  });
});

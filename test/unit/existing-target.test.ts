import { describe, expect, it } from "vitest";
import { runHook } from "../../nemeses/hook.js";
import { Session } from "../../src/client/session.js";
import { dryRunLines } from "../../src/runner/dryRun.js";
import { configPairs } from "../../src/target/existingConfig.js";
import { authOf, keyPrefixFor, redactCommand, redactUrl, splitName } from "../../src/target/existingOptions.js";
import { targetKindFor } from "../../src/target/index.js";
import { runPlanOf as plan, refusal } from "./support/runPlan.js";

describe("an existing deployment in the plan", () => {
  it("keeps the password out of the plan (what test.json records) and in memory for the connection", () => {
    const p = plan(["--endpoint", "rediss://alice:s3cret@db.example:6380/2", "--tls-servername", "db"]);
    expect(p.existing).toMatchObject({ kind: "single", addresses: [{ host: "db.example", port: 6380 }], tls: true });
    expect(p.existing!.endpoint).toBe("rediss://alice:***@db.example:6380/2");
    expect(JSON.stringify(p)).not.toContain("s3cret");
    expect(authOf(p.existing!)).toMatchObject({ username: "alice", password: "s3cret", db: 2 });
    expect(authOf(p.existing!)!.tls).toEqual({ servername: "db" });
    expect(p.cluster.topology).toBe("single");
    expect(targetKindFor(p).name).toBe("existing");
    // No fault unless the user names one: the deployment is not ours.
    expect(p.nemeses).toEqual([]);
  });

  it("reads Sentinel and Cluster addresses, and a plan without them is a Docker plan", () => {
    const s = plan(["--sentinel", "10.0.0.1:26379,10.0.0.2:26379", "--master-name", "m", "--password", "pw"]);
    expect(s.existing).toMatchObject({ kind: "sentinel", masterName: "m", passwordGiven: true });
    expect(s.existing!.addresses).toHaveLength(2);
    expect(JSON.stringify(s)).not.toContain('"pw"');
    const c = plan(["--cluster", "10.0.0.1:7000"]);
    expect(c.existing?.kind).toBe("cluster");
    expect(c.cluster.topology).toBe("cluster");
    expect(targetKindFor(plan([])).name).toBe("docker");
  });

  it("refuses what cannot work, each naming the flag", () => {
    expect(refusal(["--sentinel", "10.0.0.1:26379"])).toContain("--master-name");
    expect(refusal(["--endpoint", "http://x:1"])).toContain("redis://");
    expect(refusal(["--endpoint", "redis://x:1", "--cluster", "x:2"])).toContain("give one of");
    expect(refusal(["--cluster", "nohost"])).toContain("host:port");
    expect(refusal(["--key-prefix", "x:"])).toContain("only apply to an existing deployment");
    expect(refusal(["--endpoint", "redis://x:1", "--key-prefix", "{tag}:"])).toContain("brace");
    expect(refusal(["--endpoint", "redis://x:1", "--key-prefix", "a*"])).toContain("pattern");
    expect(refusal(["--endpoint", "redis://x:1", "--tls-ca", "/nonexistent/ca.pem"])).toContain("--tls-ca");
    expect(refusal(["--endpoint", "redis://x:1", "--topology", "sentinel"])).toContain("--topology");
  });

  it("refuses faults that act inside nodes, and hook without its commands", () => {
    const msg = refusal(["--endpoint", "redis://x:1", "--nemesis", "kill,partition"]);
    expect(msg).toContain("--nemesis kill acts inside the nodes");
    expect(msg).toContain("--nemesis hook");
    expect(refusal(["--endpoint", "redis://x:1", "--nemesis", "hook"])).toContain("--hook-start");
    const ok = plan(["--endpoint", "redis://x:1", "--nemesis", "hook", "--hook-start", "a", "--hook-stop", "b"]);
    expect(ok.nemesisOptions).toMatchObject({ hookStart: "a", hookStop: "b" });
  });

  it("derives the key prefix from the run id, without braces, so each key keeps its own hash tag", () => {
    const p = plan(["--endpoint", "redis://x:1"]);
    expect(keyPrefixFor(p.existing!, "20260101-000000-abcdef")).toBe("splitbrain:20260101-000000-abcdef:");
    const q = plan(["--endpoint", "redis://x:1", "--key-prefix", "mine:"]);
    expect(keyPrefixFor(q.existing!, "r")).toBe("mine:");
  });

  it("prints a dry run that names the prefixed keys, the commands and the clean-up", () => {
    const p = plan(["--endpoint", "redis://u:pw@x:1", "--key-prefix", "t:", "--dry-run", "--workload", "register"]);
    const text = dryRunLines(p).join("\n");
    expect(text).toContain("t:register:{0}");
    expect(text).toContain("SCAN MATCH t:* + UNLINK");
    expect(text).not.toContain("pw@");
  });
});

describe("redaction", () => {
  it("hides passwords in URLs and password options, whatever their spelling", () => {
    expect(redactUrl("redis://u:p@h:1/0")).toBe("redis://u:***@h:1/0");
    expect(redactUrl("rediss://:p@h:1")).toBe("rediss://:***@h:1");
    expect(redactUrl("redis://h:1")).toBe("redis://h:1");
    expect(
      redactCommand([
        "run",
        "--endpoint",
        "redis://u:p1@h:1",
        "--endpoint=rediss://u:p2@h:1",
        "--password",
        "p3",
        "--sentinel-password=p4",
      ]),
    ).toEqual([
      "run",
      "--endpoint",
      "redis://u:***@h:1",
      "--endpoint=rediss://u:***@h:1",
      "--password",
      "***",
      "--sentinel-password=***",
    ]);
  });
});

describe("hook commands", () => {
  it("records exit code, output and timing, and kills a command that outlives its timeout", async () => {
    const ok = await runHook('echo "to $SPLITBRAIN_PRIMARY"; echo oops >&2', { SPLITBRAIN_PRIMARY: "h:1" }, 5000);
    expect(ok).toMatchObject({ exitCode: 0, stdout: "to h:1", stderr: "oops" });
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    expect((await runHook("exit 7", {}, 5000)).exitCode).toBe(7);
    const slow = await runHook("sleep 30", {}, 200);
    expect(slow.timedOut).toBe(true);
    expect(slow.exitCode).not.toBe(0);
  });
});

describe("the run prefix on the wire", () => {
  it("prefixes every key a command names (EVALSHA's numkeys, RPOPLPUSH's two) and nothing else", () => {
    const sent: Array<{ name: string; args: unknown[] }> = [];
    const client = {
      sendCommand(c: { name: string; args: unknown[]; resolve(v: unknown): void }) {
        sent.push({ name: c.name, args: c.args });
        c.resolve("OK");
      },
    };
    const s = new Session(client as never, { opTimeoutMs: 1000, durability: { kind: "primary" }, keyPrefix: "p:" });
    s.begin();
    void s.call("get", ["register:{1}"]);
    void s.call("evalsha", ["abc", 1, "register:{2}", "1", "2"]);
    void s.call("rpoplpush", ["queue:{q}:jobs", "queue:{q}:inflight"]);
    expect(sent.map((x) => x.args.map(String))).toEqual([
      ["p:register:{1}"],
      ["abc", "1", "p:register:{2}", "1", "2"],
      ["p:queue:{q}:jobs", "p:queue:{q}:inflight"],
    ]);
  });
});

describe("settings under test on an existing deployment", () => {
  it("are refused without --allow-config, naming each, and planned as CONFIG SET pairs with it", () => {
    const msg = refusal(["--endpoint", "redis://x:1", "--appendonly", "yes", "--appendfsync", "always"]);
    expect(msg).toContain("--appendonly, --appendfsync");
    expect(msg).toContain("--allow-config");
    const p = plan(["--endpoint", "redis://x:1", "--allow-config", "--min-replicas-to-write", "1", "--save", ""]);
    // Replicas are unknown before the deployment is reached, so the guard is not refused as on a lone server.
    expect(configPairs(p.cluster.settings)).toEqual([
      ["save", ""],
      ["min-replicas-to-write", "1"],
    ]);
    expect(p.existing!.allowConfig).toBe(true);
    expect(dryRunLines(p).join("\n")).toContain("CONFIG SET save");
    expect(refusal(["--allow-config"])).toContain("only apply to an existing deployment");
  });

  it("refuses options that shape a cluster to start", () => {
    expect(refusal(["--sentinel", "h:1", "--master-name", "m", "--replicas", "2"])).toContain("--replicas describes");
  });

  it("takes a name before the address, for compare's label and the hooks' SPLITBRAIN_TARGET", () => {
    expect(splitName("eu=redis://u:p@h:1")).toEqual({ name: "eu", rest: "redis://u:p@h:1" });
    expect(splitName("redis://h:1/0")).toEqual({ rest: "redis://h:1/0" });
    expect(splitName("h1:26379,h2:26379")).toEqual({ rest: "h1:26379,h2:26379" });
    const p = plan(["--endpoint", "staging=redis://u:pw@h:1"]);
    expect(p.existing).toMatchObject({ name: "staging", endpoint: "redis://u:***@h:1" });
    expect(redactCommand(["--endpoint", "staging=redis://u:pw@h:1"])).toEqual([
      "--endpoint",
      "staging=redis://u:***@h:1",
    ]);
  });
});

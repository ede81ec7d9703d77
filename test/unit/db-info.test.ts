import { describe, expect, it } from "vitest";
import { type Ask, probeCapabilities } from "../../src/db/capabilities.js";
import { parseClusterNodes, parseInfo, parseRole, parseSentinelEntries, replicasFromInfo } from "../../src/db/info.js";

describe("INFO, ROLE, CLUSTER NODES parsers", () => {
  it("flattens INFO sections and lists a primary's replicas", () => {
    const info = parseInfo(
      "# Server\r\nredis_version:7.0.15\r\n\r\n# Replication\r\nrole:master\r\nconnected_slaves:2\r\n" +
        "slave0:ip=10.0.0.12,port=6379,state=online,offset=42,lag=0\r\nslave1:ip=10.0.0.13,port=6379,state=wait_bgsave,offset=0,lag=1\r\n",
    );
    expect(info.redis_version).toBe("7.0.15");
    expect(info.role).toBe("master");
    expect(replicasFromInfo(info)).toEqual([
      { ip: "10.0.0.12", port: 6379, state: "online", offset: 42 },
      { ip: "10.0.0.13", port: 6379, state: "wait_bgsave", offset: 0 },
    ]);
  });

  it("reads ROLE replies of each kind", () => {
    expect(parseRole(["master", 100, [["10.0.0.12", "6379", "100"]]])).toEqual({ role: "master", offset: 100 });
    expect(parseRole(["slave", "10.0.0.11", 6379, "connected", 100])).toEqual({
      role: "slave",
      primaryHost: "10.0.0.11",
      primaryPort: 6379,
      state: "connected",
    });
    expect(parseRole(["sentinel", ["splitbrain"]])).toEqual({ role: "sentinel", masters: ["splitbrain"] });
    expect(parseRole("nonsense")).toBeUndefined();
  });

  it("reads CLUSTER NODES, including failed nodes and slot ranges", () => {
    const nodes = parseClusterNodes(
      [
        "07c3 10.0.0.11:6379@16379 myself,master - 0 0 1 connected 0-5460",
        "67ed 10.0.0.12:6379@16379,host master,fail - 0 0 2 connected 5461-10922 12000 [13000->-abc]",
        "e7d1 10.0.0.14:6379@16379 slave 07c3 0 0 1 connected",
        "",
      ].join("\n"),
    );
    expect(nodes.map((n) => [n.id, n.ip, n.isPrimary, n.myself, n.failed, n.primaryId])).toEqual([
      ["07c3", "10.0.0.11", true, true, false, undefined],
      ["67ed", "10.0.0.12", true, false, true, undefined],
      ["e7d1", "10.0.0.14", false, false, false, "07c3"],
    ]);
    expect(nodes[1]!.slots).toEqual([
      [5461, 10922],
      [12000, 12000],
    ]);
  });

  it("reads Sentinel's flat key/value entries", () => {
    expect(parseSentinelEntries([["name", "a", "ip", "10.0.0.12", "flags", "slave"]])).toEqual([
      { name: "a", ip: "10.0.0.12", flags: "slave" },
    ]);
  });
});

describe("probeCapabilities", () => {
  /** A fake server answering like Redis 7.0: WAIT known, WAITAOF unknown, appendonly known. */
  const redis70: Ask = async (cmd, ...args) => {
    const line = [cmd, ...args].join(" ").toLowerCase();
    if (line === "info server") return "# Server\r\nredis_version:7.0.15\r\nmultiplexing_api:epoll\r\n";
    if (line === "command info wait") return [["wait", 3, ["noscript"], 0, 0, 0]];
    if (line === "command info waitaof") return [null];
    if (line === "config get appendonly") return ["appendonly", "no"];
    if (line.startsWith("config get")) return [];
    throw new Error(`unexpected ${line}`);
  };

  it("learns commands and settings from the server's answers", async () => {
    const caps = await probeCapabilities(redis70, ["appendonly", "no-such-thing"]);
    expect(caps).toEqual({
      engine: "redis",
      version: "7.0.15",
      commands: { wait: true, waitaof: false },
      config: { appendonly: true, "no-such-thing": false },
      multiplexingApi: "epoll",
    });
  });

  it("falls back to calling a command when COMMAND INFO is missing", async () => {
    const noCommandInfo: Ask = async (cmd, ...args) => {
      if (cmd === "INFO") return "dragonfly_version:df-v1.40.1\r\nredis_version:7.4.0\r\nmultiplexing_api:iouring\r\n";
      if (cmd === "COMMAND") throw new Error("ERR unknown subcommand");
      if (cmd === "wait") throw new Error("ERR wrong number of arguments for 'wait' command");
      if (cmd === "waitaof") throw new Error("ERR unknown command 'waitaof'");
      throw new Error(`unexpected ${cmd} ${args.join(" ")}`);
    };
    const caps = await probeCapabilities(noCommandInfo, []);
    expect(caps.engine).toBe("dragonfly");
    expect(caps.version).toBe("1.40.1");
    expect(caps.commands).toEqual({ wait: true, waitaof: false });
    expect(caps.multiplexingApi).toBe("iouring");
  });
});

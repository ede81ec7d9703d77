import { describe, expect, it } from "vitest";
import {
  cliBeside,
  cliBinaries,
  ENGINE_NAMES,
  ENGINES,
  engineLabels,
  engineRefusals,
  identifyServer,
  isEngine,
  redisConfServers,
} from "../../src/db/engines.js";
import { defaultSpec } from "../../src/db/spec.js";

describe("the engine registry", () => {
  it("lists every engine once, by name, each with its own image definition", () => {
    expect(ENGINE_NAMES).toEqual(["redis", "valkey", "dragonfly"]);
    expect(engineLabels()).toBe("Redis, Valkey and Dragonfly");
    for (const name of ENGINE_NAMES) {
      expect(ENGINES[name].name).toBe(name);
      expect(ENGINES[name].db.name).toBe(name);
      expect(ENGINES[name].image.engine).toBe(name);
    }
    expect(isEngine("keydb")).toBe(false);
    expect(isEngine("toString")).toBe(false);
  });

  it("identifies a server by one rule: the engine that claims its INFO, else Redis", () => {
    expect(identifyServer({ redis_version: "7.4.0", dragonfly_version: "df-v1.40.1" })).toEqual({
      engine: "dragonfly",
      version: "1.40.1",
    });
    expect(identifyServer({ redis_version: "7.2.4", server_name: "valkey", valkey_version: "8.1.1" })).toEqual({
      engine: "valkey",
      version: "8.1.1",
    });
    expect(identifyServer({ redis_version: "7.2.4", server_name: "valkey" })).toEqual({
      engine: "valkey",
      version: "7.2.4",
    });
    expect(identifyServer({ redis_version: "8.0.2" })).toEqual({ engine: "redis", version: "8.0.2" });
    expect(identifyServer({})).toEqual({ engine: "redis", version: "unknown" });
  });

  it("refuses one engine's own options on another, naming the engine they belong to", () => {
    const spec = defaultSpec({ db: "valkey", topology: "single" });
    spec.dragonfly.proactorThreads = 2;
    spec.dragonfly.extra = [["cache_mode", "true"]];
    expect(engineRefusals(spec)).toEqual([
      "--proactor-threads, --dragonfly-flag only apply to --db dragonfly, not Valkey.",
    ]);
    expect(engineRefusals({ ...spec, db: "dragonfly" })).toEqual([]);
  });

  it("names the binaries the node images carry", () => {
    expect(cliBinaries()).toEqual(["redis-cli", "valkey-cli"]);
    expect(redisConfServers()).toEqual(["redis-server", "valkey-server"]);
    expect(cliBeside(["valkey-server"])).toBe("valkey-cli");
    expect(cliBeside(["valkey-sentinel"])).toBe("valkey-cli");
    expect(cliBeside(["dragonfly"])).toBe("redis-cli");
    expect(cliBeside([])).toBe("redis-cli");
  });
});

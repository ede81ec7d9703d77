import { describe, expect, it } from "vitest";
import type { Capabilities } from "../../src/db/capabilities.js";
import type { NodeView } from "../../src/db/db.js";
import { ENGINES } from "../../src/db/engines.js";
import { dbFor } from "../../src/db/index.js";
import { renderRedisConf } from "../../src/db/redis/adapter.js";
import { defaultSpec } from "../../src/db/spec.js";
import { chooseSuite } from "../../src/image/definition.js";
import { compareVersions, type ImageCandidate, missingImageMessage, pickNodeImage } from "../../src/image/select.js";
import { type NodePlan, planLayout } from "../../src/topology/layout.js";
import type { ClusterSpec } from "../../src/topology/spec.js";

function view(spec: ClusterSpec, name: string): NodeView {
  const plans = planLayout(spec);
  const byName = new Map(plans.map((p) => [p.name, p]));
  const ipOf = (n: string) => `10.9.0.${10 + byName.get(n)!.address}`;
  return { runId: "r1", plan: byName.get(name) as NodePlan, ip: ipOf(name), ipOf };
}

function caps(engine: Capabilities["engine"], version: string, config: Record<string, boolean> = {}): Capabilities {
  return {
    engine,
    version,
    commands: { wait: true, waitaof: engine !== "redis" || compareVersions(version, "7.2") >= 0 },
    config,
    multiplexingApi: "epoll",
  };
}

const IMAGES: ImageCandidate[] = [
  {
    ref: "splitbrain-node:redis-7.0.15-bookworm",
    engine: "redis",
    version: "7.0.15",
    route: "offline",
    suite: "bookworm",
    created: 100,
  },
  {
    ref: "splitbrain-node:redis-8.0.2-trixie",
    engine: "redis",
    version: "8.0.2",
    route: "offline",
    suite: "trixie",
    created: 200,
  },
  {
    ref: "splitbrain-node:valkey-8.1.1-trixie",
    engine: "valkey",
    version: "8.1.1",
    route: "offline",
    suite: "trixie",
    created: 150,
  },
];

describe("Valkey as a first-class engine", () => {
  const valkey = dbFor("valkey");

  it("writes valkey.conf in Redis's dialect, with the same settings a Redis node gets", () => {
    const spec = defaultSpec({ db: "valkey", topology: "sentinel" });
    spec.settings.appendonly = true;
    spec.settings.minReplicasToWrite = 1;
    const launch = valkey.serverLaunch(spec, view(spec, "n2"));
    expect(launch.argv).toEqual(["valkey-server", "/etc/splitbrain/valkey.conf"]);
    expect(launch.files[0]!.saveAs).toBe("valkey.conf");
    const asRedis = renderRedisConf({ ...spec, db: "redis" }, view(spec, "n2"));
    const body = (conf: string) => conf.split("\n").filter((l) => !l.startsWith("#"));
    expect(body(launch.files[0]!.contents)).toEqual(body(asRedis));
    expect(body(asRedis)).toContain("min-replicas-to-write 1");
  });

  it("renders cluster mode for Valkey like Redis Cluster", () => {
    const spec = defaultSpec({ db: "valkey", topology: "cluster" });
    const conf = valkey.serverLaunch(spec, view(spec, "n4")).files[0]!.contents;
    expect(conf).toContain("cluster-enabled yes");
    expect(conf).toContain("cluster-announce-ip 10.9.0.14");
    expect(conf).not.toContain("replicaof");
  });

  it("refuses a server that is not the engine or version asked for, naming what it is", () => {
    const spec = defaultSpec({ db: "valkey", topology: "single", version: "9.1" });
    expect(valkey.capabilityRefusals(spec, caps("valkey", "9.1.2"))).toEqual([]);
    expect(valkey.capabilityRefusals(spec, caps("valkey", "8.1.1"))).toEqual([
      "--version 9.1 was asked for, but the server reports Valkey 8.1.1 (INFO server).",
    ]);
    expect(dbFor("redis").capabilityRefusals(defaultSpec({ topology: "single" }), caps("valkey", "8.1.1"))).toEqual([
      "--db redis was asked for, but the server reports itself as Valkey 8.1.1 (INFO server).",
    ]);
  });

  it("names engine, version and setting when the server lacks one", () => {
    const spec = defaultSpec({ db: "valkey", topology: "single" });
    spec.settings.extra = [["some-future-knob", "yes"]];
    expect(valkey.capabilityRefusals(spec, caps("valkey", "8.1.1", { "some-future-knob": false }))).toEqual([
      'Valkey 8.1.1 has no "some-future-knob" setting (CONFIG GET some-future-knob knows nothing of it).',
    ]);
  });
});

describe("choosing a node image by engine and version", () => {
  it("matches versions by component prefix and prefers the highest version", () => {
    expect(pickNodeImage(IMAGES, "redis")?.ref).toBe("splitbrain-node:redis-8.0.2-trixie");
    expect(pickNodeImage(IMAGES, "redis", "7.0")?.ref).toBe("splitbrain-node:redis-7.0.15-bookworm");
    expect(pickNodeImage(IMAGES, "redis", "8")?.ref).toBe("splitbrain-node:redis-8.0.2-trixie");
    expect(pickNodeImage(IMAGES, "redis", "8.0.6")).toBeUndefined();
    expect(pickNodeImage(IMAGES, "valkey", "8.1")?.ref).toBe("splitbrain-node:valkey-8.1.1-trixie");
    expect(pickNodeImage(IMAGES, "dragonfly")).toBeUndefined();
    // Build order does not decide: an older 8.0.2 build still beats a 7.0.15 built after it.
    const rebuiltOld = IMAGES.map((i) => (i.version === "7.0.15" ? { ...i, created: 999 } : i));
    expect(pickNodeImage(rebuiltOld, "redis")?.ref).toBe("splitbrain-node:redis-8.0.2-trixie");
  });

  it("refuses a missing version with the local versions and the offline build that provides it", () => {
    const m = missingImageMessage(IMAGES, ENGINES.valkey.image, "9.1");
    expect(m.message).toBe(
      "no node image for valkey 9.1 in the local Docker engine (present: valkey 8.1.1 (splitbrain-node:valkey-8.1.1-trixie))",
    );
    expect(m.hint).toContain("splitbrain image build --db valkey --version 9.1 --offline (Debian sid)");
    const r = missingImageMessage(IMAGES, ENGINES.redis.image, "7.2");
    expect(r.message).toContain(
      "present: redis 7.0.15 (splitbrain-node:redis-7.0.15-bookworm), redis 8.0.2 (splitbrain-node:redis-8.0.2-trixie)",
    );
    expect(r.hint).toContain(
      "Debian offers redis 7.0.15 (bookworm), 8.0.2 (trixie), 8.0.6 (sid) offline; 7.2 only online",
    );
    expect(missingImageMessage([], ENGINES.redis.image).message).toContain("(present: no redis node image)");
  });

  it("picks the Debian suite carrying the version asked for", () => {
    expect(chooseSuite(ENGINES.redis.image, { version: "8.0.2" })).toBe("trixie");
    expect(chooseSuite(ENGINES.redis.image, { version: "8.0.6" })).toBe("sid");
    expect(chooseSuite(ENGINES.valkey.image, { version: "9" })).toBe("sid");
    expect(chooseSuite(ENGINES.valkey.image, { version: "8.1" })).toBe("trixie");
    expect(chooseSuite(ENGINES.valkey.image, { version: "7.2" })).toEqual({
      error: expect.stringContaining("valkey 7.2"),
    });
  });

  it("orders versions numerically", () => {
    expect(["8.0.10", "7.0.15", "8.0.2"].sort(compareVersions)).toEqual(["7.0.15", "8.0.2", "8.0.10"]);
  });
});

import { describe, expect, it } from "vitest";
import { dialAddress } from "../../src/client/connect.js";
import {
  type CreatedNode,
  prepareEngine,
  routeThroughPublished,
  type SetupContext,
  wireReplication,
} from "../../src/cluster/phases.js";
import { dbFor } from "../../src/db/index.js";
import { defaultSpec } from "../../src/db/spec.js";
import { planLayout } from "../../src/topology/layout.js";

function context(db: "redis" | "dragonfly", topology: "single" | "sentinel"): SetupContext & { steps: string[] } {
  const steps: string[] = [];
  const s = {
    spec: defaultSpec({ db, topology }),
    db: dbFor(db),
    opts: { runId: "r", resultsDir: "/nonexistent" },
    log: (line: string) => steps.push(line),
    step: (name: string) => steps.push(name),
    phase: (name: string) => void (s.timings[name] = 0),
    timings: {} as Record<string, number>,
    steps,
  };
  return s;
}

describe("set-up phases, each alone", () => {
  const plans = planLayout(defaultSpec({ topology: "single" }));
  const created: CreatedNode[] = [
    { plan: plans[0]!, c: { id: "c1", ip: "10.9.0.2", name: "n1", published: { 6379: 40001 } } },
  ];

  it("routes container addresses through published ports until dropped, and only then", () => {
    const routes = routeThroughPublished(created, "127.0.0.1");
    expect(Object.keys(routes.addressMap!)).toEqual(["10.9.0.2:6379"]);
    expect(dialAddress("10.9.0.2", 6379).port).toBe(40001);
    routes.drop();
    expect(dialAddress("10.9.0.2", 6379)).toEqual({ host: "10.9.0.2", port: 6379 });
    routes.withdraw();
    expect(routeThroughPublished(created, undefined).addressMap).toBeUndefined();
  });

  it("leaves the spec as it is for an engine with nothing to prepare, and times no prepare phase", async () => {
    const s = context("redis", "single");
    const { launchSpec, found } = await prepareEngine(s, created);
    expect(launchSpec).toBe(s.spec);
    expect(found).toEqual({});
    expect(s.timings).toEqual({});
  });

  it("wires nothing for a single node, and still closes the replication phase", async () => {
    const s = context("dragonfly", "single");
    await wireReplication(s, [], plans);
    expect(Object.keys(s.timings)).toEqual(["replication"]);
  });
});

import { describe, expect, it } from "vitest";
import { deploymentTargets } from "../../src/cli/commands/compare.js";
import { UsageError } from "../../src/core/exit.js";

describe("compare's existing deployments", () => {
  it("makes one target per deployment, labelled by its name or its address, never its password", () => {
    const targets = deploymentTargets({
      endpoint: ["eu=redis://alice:s3cret@10.0.0.5:6379/1", "redis://bob:hunter2@10.0.0.6:6380"],
      sentinel: ["us=10.1.0.5:26379,10.1.0.6:26379"] as unknown as string,
    } as never);
    expect(targets.map((t) => t.label)).toEqual(["eu", "10.0.0.6:6380", "us"]);
    expect(JSON.stringify(targets.map((t) => t.label))).not.toMatch(/s3cret|hunter2/);
    // The name travels with the address, so the run's plan (and the hooks' SPLITBRAIN_TARGET) carry it.
    expect(targets[1]!.overrides).toMatchObject({ endpoint: "10.0.0.6:6380=redis://bob:hunter2@10.0.0.6:6380" });
    // Each run names one deployment: the other kinds, and the Sentinel-only options on a non-Sentinel, are cleared.
    expect(targets[0]!.overrides).toMatchObject({ sentinel: undefined, cluster: undefined, masterName: undefined });
    expect(targets[2]!.overrides).toMatchObject({ sentinel: "us=10.1.0.5:26379,10.1.0.6:26379", endpoint: undefined });
    expect("masterName" in targets[2]!.overrides).toBe(false);
  });

  it("refuses two deployments of one name", () => {
    expect(() => deploymentTargets({ endpoint: ["a=redis://h:1", "a=redis://h:2"] } as never)).toThrow(UsageError);
  });
});

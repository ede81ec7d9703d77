import { describe, expect, it } from "vitest";
import { onTeardown, runTeardowns } from "../../src/docker/cleanup.js";

describe("teardown registry", () => {
  it("runs pending actions once, newest first, skipping unregistered ones and reporting failures", async () => {
    const done: string[] = [];
    onTeardown("network", async () => done.push("network"));
    const untrack = onTeardown("scratch dir", async () => done.push("scratch dir"));
    onTeardown("broken", async () => {
      throw new Error("daemon went away");
    });
    onTeardown("containers", async () => done.push("containers"));
    untrack();

    const failures = await runTeardowns();
    expect(done).toEqual(["containers", "network"]);
    expect(failures).toEqual(["broken: daemon went away"]);

    // A second interrupt must not undo things twice.
    expect(await runTeardowns()).toEqual([]);
    expect(done).toEqual(["containers", "network"]);
  });
});

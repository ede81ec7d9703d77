import { describe, expect, it } from "vitest";
import {
  onInterrupts,
  onTeardown,
  type Removed,
  type RemoveOps,
  removeUntilGone,
  runTeardowns,
} from "../../src/docker/cleanup.js";
import {
  closeRun,
  creating,
  creationsSettled,
  isClosed,
  pendingCreations,
  REMEMBER_REMOVED,
  RunClosedError,
  runRemoved,
} from "../../src/docker/creations.js";

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

describe("interrupt stages", () => {
  it("gives a graceful caller the first interrupt, and leaves the process's handlers as they were once disposed", () => {
    const before = process.listenerCount("SIGINT");
    let stops = 0;
    const dispose = onInterrupts({ graceful: { say: "stopping (unit test)", stop: () => stops++ }, exitCode: 2 });
    expect(process.listenerCount("SIGINT")).toBe(before + 1);
    expect(process.listenerCount("SIGTERM")).toBeGreaterThan(0);
    process.emit("SIGINT", "SIGINT");
    expect(stops).toBe(1);
    dispose();
    expect(process.listenerCount("SIGINT")).toBe(before);
  });
});

describe("in-flight creations", () => {
  it("tracks a creation until it answers and refuses new ones once the run is closed", async () => {
    let answer: (v: string) => void = () => undefined;
    const first = creating("unit-gate", () => new Promise<string>((r) => (answer = r)));
    expect(pendingCreations("unit-gate")).toBe(1);
    closeRun("unit-gate");
    await expect(creating("unit-gate", async () => "late")).rejects.toBeInstanceOf(RunClosedError);
    // The bound passes while the first is still unanswered: it says how many were left.
    expect(await creationsSettled("unit-gate", 20)).toBe(1);
    setTimeout(() => answer("made"), 10);
    expect(await creationsSettled("unit-gate", 5000)).toBe(0);
    expect(await first).toBe("made");
    expect(pendingCreations("unit-gate")).toBe(0);
  });
});

describe("closed runs", () => {
  it("stay closed after removal, but only the newest removed ones are remembered; a run still being removed is never forgotten", () => {
    closeRun("unit-still-removing");
    const ids = Array.from({ length: REMEMBER_REMOVED + 5 }, (_, i) => `unit-removed-${i}`);
    for (const id of ids) {
      closeRun(id);
      runRemoved(id);
    }
    expect(ids.slice(0, 5).some(isClosed)).toBe(false);
    expect(ids.slice(5).every(isClosed)).toBe(true);
    expect(isClosed("unit-still-removing")).toBe(true);
    // A removal reported for a run never closed does not open a gate that was never there.
    runRemoved("unit-never-closed");
    expect(isClosed("unit-never-closed")).toBe(false);
  });
});

describe("removeUntilGone", () => {
  const none = (): Removed => ({ containers: [], networks: [], volumes: [] });
  const fakeOps = (world: { containers: string[]; networks: string[] }) => {
    let t = 0;
    const calls: string[] = [];
    const ops: RemoveOps = {
      settle: async () => {
        calls.push("settle");
        return 0;
      },
      clean: async () => {
        calls.push("clean");
        const r = { ...none(), containers: [...world.containers], networks: [...world.networks] };
        world.containers = [];
        world.networks = [];
        return r;
      },
      left: async () => ({ ...none(), containers: [...world.containers], networks: [...world.networks] }),
      sleep: async (ms) => {
        t += ms;
      },
      now: () => t,
    };
    return { ops, calls };
  };

  it("waits for creations first, then lists again until a late container is gone too", async () => {
    const world = { containers: ["n1"], networks: ["net"] };
    const { ops, calls } = fakeOps(world);
    const realClean = ops.clean;
    // A create answered just after the first listing: only a second pass finds it.
    let pass = 0;
    ops.clean = async () => {
      const r = await realClean();
      if (++pass === 1) world.containers.push("n2");
      return r;
    };
    const removed = await removeUntilGone("r", ops, { settleMs: 1000, removeMs: 10_000 });
    expect(calls[0]).toBe("settle");
    expect(removed.containers).toEqual(["n1", "n2"]);
    expect(removed.networks).toEqual(["net"]);
  });

  it("retries a network that refuses removal while its endpoints go, and gives up at the bound naming what is left", async () => {
    const world = { containers: [], networks: ["net"] };
    const { ops } = fakeOps(world);
    let refusals = 2;
    ops.clean = async () => {
      if (refusals-- > 0) throw new Error("error while removing network: network net has active endpoints");
      world.networks = [];
      return { ...none(), networks: ["net"] };
    };
    expect((await removeUntilGone("r", ops, { settleMs: 1000, removeMs: 10_000 })).networks).toEqual(["net"]);

    const stuck = fakeOps({ containers: ["n3"], networks: [] });
    stuck.ops.clean = async () => {
      throw new Error("daemon busy");
    };
    await expect(removeUntilGone("r9", stuck.ops, { settleMs: 1000, removeMs: 5000 })).rejects.toThrow(
      /still labelled with run r9 after 5000 ms of removing: n3 \(last error: daemon busy\); remove it with: splitbrain clean --run r9/,
    );
  });
});

import { describe, expect, it } from "vitest";
import { checkerKind, checkerKinds } from "../../src/checker/kinds.js";
import { WORKLOADS } from "../../workloads/index.js";

describe("checker kinds", () => {
  it("has a kind for every checker a workload declares, so none is shown generically", () => {
    const names = new Set(checkerKinds().map((k) => k.name));
    for (const [workload, create] of Object.entries(WORKLOADS)) {
      for (const checker of create({}).checkers())
        expect(names.has(checker.name), `${workload}/${checker.name}`).toBe(true);
    }
  });

  it("shows a checker it does not know generically: no section, no figures, capped on an incomplete run", () => {
    const kind = checkerKind("from-a-newer-build");
    expect(kind).toEqual({ name: "from-a-newer-build" });
  });

  it("names each kind once", () => {
    const names = checkerKinds().map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

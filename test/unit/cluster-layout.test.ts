import { describe, expect, it } from "vitest";
import { defaultSpec } from "../../src/db/spec.js";
import { planLayout, slotRanges } from "../../src/topology/layout.js";

const shape = (plans: ReturnType<typeof planLayout>) =>
  plans.map(
    (p) => `${p.name}:${p.role}${p.replicaOf ? `<${p.replicaOf}` : ""}${p.runsSentinel ? "+S" : ""}@${p.address}`,
  );

describe("planLayout", () => {
  it("single is one primary", () => {
    expect(shape(planLayout(defaultSpec({ topology: "single" })))).toEqual(["n1:primary@1"]);
  });

  it("sentinel puts 3 Sentinels on their own nodes after the data nodes", () => {
    expect(shape(planLayout(defaultSpec({ topology: "sentinel" })))).toEqual([
      "n1:primary@1",
      "n2:replica<n1@2",
      "n3:replica<n1@3",
      "s1:sentinel+S@4",
      "s2:sentinel+S@5",
      "s3:sentinel+S@6",
    ]);
  });

  it("co-located Sentinels run inside the data nodes and add no nodes", () => {
    const spec = defaultSpec({ topology: "sentinel" });
    spec.sentinel.colocated = true;
    expect(shape(planLayout(spec))).toEqual(["n1:primary+S@1", "n2:replica<n1+S@2", "n3:replica<n1+S@3"]);
  });

  it("cluster has 3 primaries owning all 16384 slots, replicas round-robin", () => {
    const plans = planLayout(defaultSpec({ topology: "cluster", replicas: 1 }));
    expect(shape(plans)).toEqual([
      "n1:primary@1",
      "n2:primary@2",
      "n3:primary@3",
      "n4:replica<n1@4",
      "n5:replica<n2@5",
      "n6:replica<n3@6",
    ]);
    expect(plans.map((p) => p.shard)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(plans.flatMap((p) => p.slots)).toEqual([
      [0, 5460],
      [5461, 10922],
      [10923, 16383],
    ]);
  });

  it("slot ranges are contiguous and cover every slot exactly once", () => {
    for (const n of [1, 3, 5, 7]) {
      const r = slotRanges(n);
      expect(r[0]![0]).toBe(0);
      expect(r[r.length - 1]![1]).toBe(16383);
      for (let i = 1; i < r.length; i++) expect(r[i]![0]).toBe(r[i - 1]![1] + 1);
    }
  });
});

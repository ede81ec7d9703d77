import { describe, expect, it } from "vitest";
import { checkLinearizable } from "../../src/checker/linearizable/index.js";
import { kvModel, registerModel } from "../../src/models/index.js";
import type { Model } from "../../src/models/model.js";
import { randomHistory } from "../support/histories.js";
import { bruteForceLinearizable } from "../support/oracle.js";
import { seededRng } from "../support/rng.js";

const CASES = 2500;

async function agreeWithOracle(
  kind: "register" | "kv",
  model: Model,
  seedBase: number,
  keys: number | undefined,
  pruneUnobserved: boolean,
) {
  const tally = { valid: 0, invalid: 0 };
  for (let seed = seedBase; seed < seedBase + CASES; seed++) {
    const rng = seededRng(seed);
    const h = randomHistory(kind, rng, {
      processes: 2 + rng.int(4),
      ops: 1 + rng.int(8),
      timed: rng.next() < 0.5,
      ...(keys ? { keys } : {}),
    });
    const expected = bruteForceLinearizable(h, model);
    const got = await checkLinearizable(h, model, { workers: 1, pruneUnobserved });
    if (got.valid !== expected) {
      throw new Error(
        `seed ${seed}: checker says ${got.valid}, oracle says ${expected}\n${h.map((o) => JSON.stringify(o)).join("\n")}`,
      );
    }
    tally[expected ? "valid" : "invalid"]++;
  }
  return tally;
}

describe.each([true, false])("WGL agrees with a brute-force oracle on small random histories (pruning %s)", (prune) => {
  it("register (read/write/cas, ok/fail/info, unanswered invocations)", async () => {
    const t = await agreeWithOracle("register", registerModel, 1, undefined, prune);
    // Both verdicts must be well represented, or agreement would prove little.
    expect(t.valid).toBeGreaterThan(CASES / 5);
    expect(t.invalid).toBeGreaterThan(CASES / 5);
  });

  it("kv (get/put/append on two keys)", async () => {
    const t = await agreeWithOracle("kv", kvModel, 100_000, 2, prune);
    expect(t.valid).toBeGreaterThan(CASES / 5);
    expect(t.invalid).toBeGreaterThan(CASES / 5);
  });
});

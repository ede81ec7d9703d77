/**
 * Verdict agreement with porcupine on a few generated histories (no timing: that is `npm run bench -- porcupine`).
 * Needs `go` on PATH and porcupine's source at ../shared/vendor/porcupine (or $PORCUPINE_SRC); skips otherwise,
 * except under SPLITBRAIN_REQUIRE_PORCUPINE=1 (CI, which installs Go), where a missing part fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPorcupine, exportCalls, porcupineMissing, runPorcupine } from "../../bench/porcupine.js";
import { historyClasses } from "../../bench/porcupine-histories.js";
import { checkLinearizable } from "../../src/checker/linearizable/index.js";
import { modelByName } from "../../src/models/index.js";

const missing = porcupineMissing();
if (missing && process.env.SPLITBRAIN_REQUIRE_PORCUPINE === "1") {
  throw new Error(
    `porcupine verdict agreement is required (SPLITBRAIN_REQUIRE_PORCUPINE=1) but cannot run: ${missing}`,
  );
}
if (missing) console.warn(`porcupine verdict agreement skipped: ${missing}`);

describe.skipIf(missing !== undefined)("verdicts agree with porcupine's", () => {
  let dir: string;
  let bin: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "splitbrain-porcupine-"));
    bin = buildPorcupine(dir);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The quick slice without the classes porcupine itself may not decide in seconds (pending calls it cannot prune).
  const classes = historyClasses(true).filter((c) => c.name.startsWith("kv c10") || c.name === "knossos cas register");
  for (const cls of classes) {
    it(cls.name, async () => {
      for (const { seed, history } of cls.histories) {
        const file = join(dir, `${cls.model}-${seed}.json`);
        writeFileSync(file, exportCalls(history, cls.model));
        const theirs = runPorcupine(bin, file, 30, 1, 0).verdict;
        const ours = (await checkLinearizable(history, modelByName(cls.model), { timeoutMs: 60_000 })).valid;
        expect(theirs).not.toBe("unknown");
        expect(ours).toBe(theirs);
        expect(ours).toBe(!cls.name.includes("bad"));
      }
    }, 180_000);
  }
});

import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { ExitCode, exitCodeFor, mergeVerdicts } from "../../src/cli/exit.js";

describe("cli surface", () => {
  it("has every command users are promised, each with help text", () => {
    const names = buildProgram().commands.map((c) => c.name());
    for (const n of ["run", "check", "report", "compare", "audit", "clean", "doctor", "image"]) {
      expect(names).toContain(n);
    }
    for (const cmd of buildProgram().commands) expect(cmd.description().length).toBeGreaterThan(10);
  });

  it("maps verdicts to exit codes", () => {
    expect(exitCodeFor(true)).toBe(ExitCode.Valid);
    expect(exitCodeFor(false)).toBe(ExitCode.Anomalies);
    expect(exitCodeFor("unknown")).toBe(ExitCode.Unknown);
    expect(mergeVerdicts([true, "unknown", true])).toBe("unknown");
    expect(mergeVerdicts([true, "unknown", false])).toBe(false);
    expect(mergeVerdicts([])).toBe(true);
  });
});

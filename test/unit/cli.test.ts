import { Help } from "commander";
import { describe, expect, it } from "vitest";
import { commands } from "../../src/cli/commands/index.js";
import { buildProgram } from "../../src/cli/program.js";
import { ExitCode, exitCodeFor, mergeVerdicts } from "../../src/core/exit.js";

describe("cli surface", () => {
  it("has every command users are promised, each with help text", () => {
    const names = buildProgram().commands.map((c) => c.name());
    for (const n of ["run", "check", "report", "compare", "audit", "clean", "doctor", "image"]) {
      expect(names).toContain(n);
    }
    for (const cmd of buildProgram().commands) expect(cmd.description().length).toBeGreaterThan(10);
  });

  it("lists each command in --help exactly as the command itself describes it, without loading it", async () => {
    const lazy = buildProgram();
    const real = buildProgram(await Promise.all(commands.map((e) => e.load())));
    expect(lazy.helpInformation()).toBe(real.helpInformation());
    for (const entry of commands) {
      const cmd = real.commands.find((c) => c.name() === entry.name)!;
      expect(cmd.description()).toBe(entry.description);
      expect(new Help().subcommandTerm(cmd)).toBe(entry.term);
    }
  }, 30_000);

  it("maps verdicts to exit codes", () => {
    expect(exitCodeFor(true)).toBe(ExitCode.Valid);
    expect(exitCodeFor(false)).toBe(ExitCode.Anomalies);
    expect(exitCodeFor("unknown")).toBe(ExitCode.Unknown);
    expect(mergeVerdicts([true, "unknown", true])).toBe("unknown");
    expect(mergeVerdicts([true, "unknown", false])).toBe(false);
    expect(mergeVerdicts([])).toBe(true);
  });
});

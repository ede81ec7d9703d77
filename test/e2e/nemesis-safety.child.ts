/**
 * Child process for nemesis-safety.test.ts: the `run` and `clean` commands exactly as the CLI runs them (their own
 * signal handling included), so the parent can interrupt a run while a fault is active. Only these two commands
 * are loaded, so the test does not depend on every other command compiling.
 * Usage: node --import tsx nemesis-safety.child.ts run|clean [options]
 */
import { Command } from "commander";
import { cleanCommand } from "../../src/cli/commands/clean.js";
import { runCommand } from "../../src/cli/commands/run.js";

const program = new Command("splitbrain").enablePositionalOptions().addCommand(runCommand()).addCommand(cleanCommand());
await program.parseAsync(["node", "splitbrain", ...process.argv.slice(2)]);
process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);

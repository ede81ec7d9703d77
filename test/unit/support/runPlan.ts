import { Command } from "commander";
import { expect } from "vitest";
import { UsageError } from "../../../src/core/exit.js";
import { addRunOptions, planFromOptions, type RunOptions } from "../../../src/runner/plan.js";

/** The options `splitbrain run <args>` would hand to planFromOptions, defaults included. */
export function runOptions(args: string[]): RunOptions {
  const cmd = addRunOptions(new Command("run")).exitOverride();
  cmd.parse(args, { from: "user" });
  return cmd.opts() as RunOptions;
}

/** The plan `splitbrain run <args>` would make. */
export function runPlanOf(args: string[]) {
  return planFromOptions(runOptions(args));
}

/** The refusal of a plan: its message, or a failure if the plan was accepted or failed some other way. */
export function refusal(args: string[]): string {
  try {
    runPlanOf(args);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error(`accepted: ${args.join(" ")}`);
}

import type { Command } from "commander";
import type { RunOptions } from "../runner/plan.js";
import type { OptionKind, OptionSpec, Overrides } from "./targets.js";

/**
 * The settings a comparison may vary are exactly the options `addRunOptions` put on the command, read back from
 * commander, so a new run option can be compared the day it is added.
 */
export function optionSpecs(cmd: Command): OptionSpec[] {
  return cmd.options
    .filter((o) => o.long !== undefined)
    .map((o) => {
      let kind: OptionKind;
      if (o.variadic) kind = "list";
      else if (!o.required && !o.optional) kind = "flag";
      // A custom argument parser without choices is commander's way of collecting a repeatable option.
      else if (o.parseArg && !o.argChoices) kind = "repeatable";
      else kind = "value";
      const spec: OptionSpec = { name: o.long!.replace(/^--/, ""), attr: o.attributeName(), kind };
      if (o.argChoices) spec.choices = o.argChoices;
      return spec;
    });
}

/**
 * A target's run options: the command's own options with the target's settings on top. Settings a target names
 * replace the command's value (a setting set to undefined, e.g. wait=0, removes it).
 */
export function targetOptions<T extends RunOptions>(base: T, overrides: Overrides): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [attr, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[attr];
    else out[attr] = value;
  }
  return out as unknown as T;
}

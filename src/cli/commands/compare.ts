import { Command } from "commander";
import { notBuilt } from "../notBuilt.js";

export function compareCommand(): Command {
  return new Command("compare")
    .description("run the same plan against several databases or settings and compare them side by side")
    .action(notBuilt("compare", "compare arrives with the report issue"));
}

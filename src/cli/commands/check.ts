import { Command } from "commander";
import { notBuilt } from "../notBuilt.js";

export function checkCommand(): Command {
  return new Command("check")
    .description("check a saved history or run directory for linearizability and lost writes")
    .action(notBuilt("check", "the checker arrives with the history issue"));
}

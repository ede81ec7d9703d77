import { Command } from "commander";
import { notBuilt } from "../notBuilt.js";

export function runCommand(): Command {
  return new Command("run")
    .description("start a cluster, run workloads under faults, check the history and write a report")
    .action(notBuilt("run", "the run pipeline arrives with the workloads issue"));
}

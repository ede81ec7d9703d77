import { Command } from "commander";
import { notBuilt } from "../notBuilt.js";

export function auditCommand(): Command {
  return new Command("audit")
    .description("run a matrix of durability settings under the same faults and tabulate writes lost per setting")
    .action(notBuilt("audit", "audit arrives with the report issue"));
}

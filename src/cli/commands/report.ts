import { Command } from "commander";
import { notBuilt } from "../notBuilt.js";

export function reportCommand(): Command {
  return new Command("report")
    .description("rebuild report.html for a saved run directory")
    .action(notBuilt("report", "the HTML report arrives with the report issue"));
}

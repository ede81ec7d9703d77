import { Command } from "commander";
import { notBuilt } from "../notBuilt.js";

export function doctorCommand(): Command {
  return new Command("doctor")
    .description("check that Docker, node images and kernel features needed for runs are present")
    .action(notBuilt("doctor", "doctor arrives with the foundation issue"));
}

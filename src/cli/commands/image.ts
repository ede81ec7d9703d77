import { Command } from "commander";
import { notBuilt } from "../notBuilt.js";

export function imageCommand(): Command {
  return new Command("image")
    .description("build or list the node images runs use")
    .action(notBuilt("image", "node images arrive with the foundation issue"));
}

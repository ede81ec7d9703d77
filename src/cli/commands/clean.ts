import { Command } from "commander";
import { notBuilt } from "../notBuilt.js";

export function cleanCommand(): Command {
  return new Command("clean")
    .description("remove every container, network and volume labelled splitbrain.run")
    .action(notBuilt("clean", "cleanup arrives with the foundation issue"));
}

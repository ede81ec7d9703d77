import type { Command } from "commander";
import { auditCommand } from "./audit.js";
import { checkCommand } from "./check.js";
import { cleanCommand } from "./clean.js";
import { compareCommand } from "./compare.js";
import { doctorCommand } from "./doctor.js";
import { imageCommand } from "./image.js";
import { reportCommand } from "./report.js";
import { runCommand } from "./run.js";
import { scenarioCommand } from "./scenario.js";
import { suiteCommand } from "./suite.js";

/** One file per subcommand; the order here is the order `--help` lists them in. */
export const commands: Array<() => Command> = [
  runCommand,
  checkCommand,
  reportCommand,
  compareCommand,
  auditCommand,
  scenarioCommand,
  suiteCommand,
  cleanCommand,
  doctorCommand,
  imageCommand,
];

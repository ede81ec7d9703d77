import { Command, Option } from "commander";
import { DEFAULT_CHECK_TIMEOUT_MS } from "../../checker/linearizable/index.js";
import { RUN_HISTORY_FILE, RUN_HISTORY_FILE_GZ } from "../../history/read.js";
import { CHECK_CHOICES, CHECK_DEFAULTS, type CheckOptions, runCheck } from "./checkAction.js";

export { describeUndecided, summarise } from "./checkAction.js";

export function checkCommand(): Command {
  return new Command("check")
    .description("check a saved history or run directory for linearizability and lost writes")
    .argument(
      "<history>",
      `a history file (JSON Lines, Jepsen EDN or jepsen.log) or a run directory (its ${RUN_HISTORY_FILE_GZ} or ${RUN_HISTORY_FILE})`,
    )
    .addOption(
      new Option("--model <model>", "consistency model to check against")
        .choices(CHECK_CHOICES.model)
        .default(CHECK_DEFAULTS.model),
    )
    .addOption(
      new Option(
        "--consistency <model>",
        "with --model list-append (Elle-format :txn histories): the isolation level whose anomalies fail the check",
      )
        .choices(CHECK_CHOICES.consistency)
        .default(CHECK_DEFAULTS.consistency),
    )
    .addOption(
      new Option("--format <format>", "history format").choices(CHECK_CHOICES.format).default(CHECK_DEFAULTS.format),
    )
    .option(
      "--timeout <seconds>",
      `time limit for the search; keys still undecided then are reported unknown, the others keep their verdicts ` +
        `(default: ${DEFAULT_CHECK_TIMEOUT_MS / 1000}, or the run's --check-timeout for a run directory)`,
    )
    .option("--first", "stop at the first key found not linearizable instead of searching every key (history files)")
    .option("--json", "print one JSON object with the verdict and evidence on stdout")
    .option("--export-edn <file>", "also write the history as Jepsen EDN (for Knossos or Elle)")
    .addHelpText(
      "after",
      "\nThe verdict is the exit code: 0 linearizable, 1 not linearizable, 2 undecided (timeout or memory cap),\n" +
        "3 bad input or usage. The summary goes to stdout; with --json stdout holds only the JSON and the summary\n" +
        "goes to stderr.\n" +
        "\nExamples:\n" +
        "  $ splitbrain check results/latest\n" +
        "  $ splitbrain check history.edn --model register --timeout 60\n" +
        "  $ splitbrain check elle-history.edn --model list-append --consistency serializable\n" +
        "  $ splitbrain check jepsen.log --format jepsen-log --json > verdict.json\n" +
        "  $ splitbrain check results/latest --export-edn history.edn",
    )
    .action(async (path: string, opts: CheckOptions) => {
      process.exitCode = await runCheck(path, opts);
    });
}

import { resolve } from "node:path";
import { Command } from "commander";
import { answerer, printJson } from "../../core/output.js";
import { writeReport } from "../../report/write.js";

export function reportCommand(): Command {
  return new Command("report")
    .description("rebuild report.html for a saved run directory (reads only the directory, no cluster needed)")
    .argument("<run-dir>", "a run directory written by `splitbrain run`, e.g. results/latest")
    .option("--json", "print the report's path as JSON on stdout")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  $ splitbrain report results/latest\n" +
        "  $ splitbrain check results/latest && splitbrain report results/latest   # after re-checking\n" +
        "\nExit codes: 0 written, 3 not a run directory or unreadable.",
    )
    .action(async (dir: string, opts: { json?: boolean }) => {
      const path = await writeReport(resolve(dir));
      answerer(opts.json)(`report: ${path}`);
      if (opts.json) printJson({ report: path });
    });
}

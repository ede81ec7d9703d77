import { Command } from "commander";
import { answerer, printJson } from "../../core/output.js";
import { appendMark, markTarget, markText } from "../../rundir/marks.js";

export function markCommand(): Command {
  return new Command("mark")
    .description("note a moment in a running run's history from another terminal (e.g. what you just did by hand)")
    .argument("<text...>", "what happened, in a few words")
    .option("--run <run-dir>", "the run to mark (default: the one run recording now under --results)")
    .option("--results <dir>", "where runs are written", "results")
    .option("--json", "print the mark and the run directory as JSON on stdout")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  $ splitbrain run --endpoint redis://10.0.0.5:6379 --nemesis none --time-limit 120   # terminal 1\n" +
        '  $ splitbrain mark "pressed failover in the console"                                # terminal 2\n' +
        "\nThe mark becomes a nemesis op `mark` in the history at the moment it was made, shows on the report's\n" +
        "timeline and is listed in test.json (marks). Exit codes: 0 noted, 3 no run to mark or no text.",
    )
    .action((words: string[], o: { run?: string; results: string; json?: boolean }) => {
      const text = markText(words);
      const dir = markTarget({ results: o.results, ...(o.run !== undefined ? { run: o.run } : {}) });
      const mark = { at: new Date().toISOString(), text };
      appendMark(dir, mark);
      if (o.json) return printJson({ runDir: dir, ...mark });
      answerer(false)(`marked ${dir} at ${mark.at}: ${text}`);
    });
}

import { Command } from "commander";
import { UsageError } from "../../core/exit.js";
import { answerer, printJson } from "../../core/output.js";
import { cleanRun } from "../../docker/cleanup.js";
import { requireDocker } from "../../docker/engine.js";
import { isValidRunId, RUN_LABEL } from "../../docker/labels.js";

export function cleanCommand(): Command {
  return new Command("clean")
    .description("remove every container, network and volume labelled splitbrain.run (or one run's, with --run)")
    .option("--run <id>", "only the resources of this run")
    .option("--json", "print what was removed as JSON on stdout")
    .addHelpText("after", "\nExamples:\n  $ splitbrain clean\n  $ splitbrain clean --run 20250101-120000-a1b2c3")
    .action(async (o: { run?: string; json?: boolean }) => {
      if (o.run !== undefined && !isValidRunId(o.run)) {
        throw new UsageError(
          `"${o.run}" is not a run id`,
          "run ids look like 20250101-120000-a1b2c3 (see the run's directory name)",
        );
      }
      await requireDocker();
      const removed = await cleanRun(o.run);
      if (o.json) return printJson(removed);
      const answer = answerer(false);
      const scope = o.run ? `run ${o.run}` : `label ${RUN_LABEL}`;
      const total = removed.containers.length + removed.networks.length + removed.volumes.length;
      if (total === 0) {
        answer(`nothing to remove (no container, network or volume with ${scope})`);
        return;
      }
      for (const [kind, names] of Object.entries(removed) as Array<[string, string[]]>) {
        if (names.length) answer(`removed ${names.length} ${kind}: ${names.join(", ")}`);
      }
    });
}

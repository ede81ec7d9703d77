import { ExitCode, UsageError } from "../core/exit.js";
import { c, say, setColour } from "../core/output.js";

/**
 * Runs one command line. A plain `check` goes straight to the check (commands/checkAction.ts), everything else
 * through commander (program.ts), which is loaded only then: Node's start is most of what `check` of a small
 * history costs, and commander's modules were a good part of the rest.
 */
export async function main(argv: string[]): Promise<number> {
  // --no-color is accepted anywhere on the line, so it is taken out before commander sees it.
  const noColour = argv.includes("--no-color");
  setColour(noColour);
  argv = argv.filter((a, i) => i < 2 || a !== "--no-color");
  try {
    if (argv[2] === "check") {
      const { quickCheck } = await import("./commands/checkAction.js");
      const code = await quickCheck(argv.slice(3));
      if (code !== undefined) return code;
    }
    const { runProgram } = await import("./program.js");
    return await runProgram(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      say(c().red("error: ") + err.message);
      if (err.hint) say(c().dim("hint: ") + err.hint);
      return ExitCode.Usage;
    }
    const e = err as Error;
    say(c().red("error: ") + (e?.message ?? String(err)));
    if (process.env.SPLITBRAIN_DEBUG) say(e?.stack ?? "");
    else say(c().dim("(set SPLITBRAIN_DEBUG=1 for a stack trace)"));
    return ExitCode.Usage;
  }
}

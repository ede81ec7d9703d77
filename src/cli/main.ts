import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../paths.js";
import { ExitCode, UsageError } from "./exit.js";
import { c, say, setColour } from "./output.js";
import { commands } from "./commands/index.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("splitbrain")
    .description(
      "Jepsen-style tester for Redis, Valkey and Dragonfly: runs real clusters in Docker under faults, " +
        "checks the recorded history for lost writes and linearizability, and writes a report.",
    )
    // Options after a subcommand belong to it, so `run --version 7.0` picks a database version while
    // `splitbrain --version` still prints ours.
    .enablePositionalOptions()
    .version(version(), "-V, --version", "print splitbrain's version")
    .option("--no-color", "no colour in terminal output (NO_COLOR is honoured too)")
    .showHelpAfterError(HELP_HINT)
    .addHelpText(
      "after",
      "\nExit codes: 0 valid, 1 anomalies found, 2 unknown or incomplete, 3 usage or environment error.\n" +
        "\nExamples:\n  $ splitbrain doctor\n  $ splitbrain run --db redis --topology sentinel --nemesis partition\n" +
        "  $ splitbrain check history.edn --model register",
    )

  for (const make of commands) program.addCommand(make());
  // Commands added with addCommand() inherit no settings, so a parse error in `check` or `scenario list` would lack
  // the hint the top level prints; every command, at every depth, gets it.
  forEachSubcommand(program, (cmd) => cmd.showHelpAfterError(HELP_HINT));
  return program;
}

const HELP_HINT = "(run with --help for usage)";

function forEachSubcommand(cmd: Command, visit: (sub: Command) => void): void {
  for (const sub of cmd.commands) {
    visit(sub);
    forEachSubcommand(sub, visit);
  }
}

export async function main(argv: string[]): Promise<number> {
  // --no-color is accepted anywhere on the line, so it is taken out before commander sees it.
  const noColour = argv.includes("--no-color");
  setColour(noColour);
  argv = argv.filter((a, i) => i < 2 || a !== "--no-color");
  const program = buildProgram();
  program.exitOverride();
  forEachSubcommand(program, (sub) => sub.exitOverride());
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.Valid;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0 through here; every parse error is a usage error.
      return err.exitCode === 0 ? 0 : ExitCode.Usage;
    }
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

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError, Help } from "commander";
import { ENGINE_LABELS } from "../core/cluster.js";
import { ExitCode } from "../core/exit.js";
import { packageRoot } from "../core/paths.js";
import { commands } from "./commands/index.js";

/**
 * "Redis, Valkey and Dragonfly", from the labels in core: every one has an engine (the registry is a Record over
 * them), and naming them here does not import every engine's adapter into every command's start.
 */
function engineLabels(): string {
  const labels = Object.values(ENGINE_LABELS);
  return `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * The command tree. Commands in `loaded` are the real ones; every other command is a stub with its name and
 * description only, so `--help` lists them all without importing any (see commands/index.ts).
 */
export function buildProgram(loaded: readonly Command[] = []): Command {
  const program = new Command("splitbrain")
    .description(
      `Jepsen-style tester for ${engineLabels()}: runs real clusters in Docker under faults, ` +
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
    );

  const terms = new Map(commands.map((e) => [e.name, e.term]));
  const defaultTerm = new Help().subcommandTerm;
  program.configureHelp({
    subcommandTerm(cmd: Command): string {
      return (cmd.parent === program ? terms.get(cmd.name()) : undefined) ?? defaultTerm.call(this, cmd);
    },
  });
  for (const entry of commands) {
    program.addCommand(
      loaded.find((c) => c.name() === entry.name) ?? new Command(entry.name).description(entry.description),
    );
  }
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

/**
 * Imports the one command the line names (`check ...`, or `help check`), if any. No top-level option takes a value,
 * so the first word that is not an option is the command.
 */
async function loadNamedCommand(args: readonly string[]): Promise<Command[]> {
  const words = args.filter((a) => !a.startsWith("-"));
  const name = words[0] === "help" ? words[1] : words[0];
  const entry = commands.find((e) => e.name === name);
  return entry ? [await entry.load()] : [];
}

/**
 * Parses the line with commander and runs the command it names. Commander's own errors (a bad option, --help,
 * --version) end here with their exit code; every other error is the caller's.
 */
export async function runProgram(argv: string[]): Promise<number> {
  const program = buildProgram(await loadNamedCommand(argv.slice(2)));
  program.exitOverride();
  forEachSubcommand(program, (sub) => sub.exitOverride());
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.Valid;
  } catch (err) {
    // --help and --version exit 0 through here; every parse error is a usage error.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : ExitCode.Usage;
    throw err;
  }
}

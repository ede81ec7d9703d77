import type { Command } from "commander";

/**
 * Every subcommand, described lightly enough to list in `--help` without importing it. Importing a command pulls in
 * its whole world (dockerode, ioredis, the report renderer...), which cost `check` of a two-op history 0.45 s and
 * 81 MB before any checking; so only the command a line names is loaded (see main.ts). `term` and `description`
 * repeat what the command module says, and test/unit/cli.test.ts holds them equal.
 */
export interface CommandEntry {
  name: string;
  /** The left column of `--help`: name, "[options]" when it has options, its arguments. */
  term: string;
  description: string;
  load: () => Promise<Command>;
}

/** The order here is the order `--help` lists them in. */
export const commands: CommandEntry[] = [
  {
    name: "run",
    term: "run [options]",
    description: "start a cluster, run workloads under faults, check the history and write a report",
    load: async () => (await import("./run.js")).runCommand(),
  },
  {
    name: "mark",
    term: "mark [options] <text...>",
    description: "note a moment in a running run's history from another terminal (e.g. what you just did by hand)",
    load: async () => (await import("./mark.js")).markCommand(),
  },
  {
    name: "check",
    term: "check [options] <history>",
    description: "check a saved history or run directory for linearizability and lost writes",
    load: async () => (await import("./check.js")).checkCommand(),
  },
  {
    name: "report",
    term: "report [options] <run-dir>",
    description: "rebuild report.html for a saved run directory (reads only the directory, no cluster needed)",
    load: async () => (await import("./report.js")).reportCommand(),
  },
  {
    name: "compare",
    term: "compare [options]",
    description: "run the same plan against several databases or settings and compare them side by side",
    load: async () => (await import("./compare.js")).compareCommand(),
  },
  {
    name: "audit",
    term: "audit [options]",
    description: "run a matrix of durability settings under the same faults and tabulate writes lost per setting",
    load: async () => (await import("./audit.js")).auditCommand(),
  },
  {
    name: "scenario",
    term: "scenario",
    description: "the catalogue of named scenarios (ways Redis loses data): list, show, run",
    load: async () => (await import("./scenario.js")).scenarioCommand(),
  },
  {
    name: "suite",
    term: "suite [options]",
    description: "run the scenario catalogue and flag every scenario whose outcome differs from its expectation",
    load: async () => (await import("./suite.js")).suiteCommand(),
  },
  {
    name: "merge",
    term: "merge [options] <dir...>",
    description: "join the shard directories of a suite, audit or compare run with --shard k/n into one result",
    load: async () => (await import("./merge.js")).mergeCommand(),
  },
  {
    name: "clean",
    term: "clean [options]",
    description: "remove every container, network and volume labelled splitbrain.run (or one run's, with --run)",
    load: async () => (await import("./clean.js")).cleanCommand(),
  },
  {
    name: "doctor",
    term: "doctor [options]",
    description: "check that Docker, node images and kernel features needed for runs are present",
    load: async () => (await import("./doctor.js")).doctorCommand(),
  },
  {
    name: "image",
    term: "image",
    description: "build or list the node images runs use",
    load: async () => (await import("./image.js")).imageCommand(),
  },
];

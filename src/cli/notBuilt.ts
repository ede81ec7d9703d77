import { ExitCode } from "../core/exit.js";
import { say } from "../core/output.js";

/** A command whose capability is not built yet says so plainly and exits 3, rather than pretending. */
export function notBuilt(name: string, what: string): () => void {
  return () => {
    say(`splitbrain ${name}: not built yet (${what}).`);
    process.exitCode = ExitCode.Usage;
  };
}

import chalk, { Chalk, type ChalkInstance } from "chalk";

/**
 * People read stderr; machines read stdout (`--json`). Colour only when stderr is a TTY, and never under
 * NO_COLOR or --no-color.
 */
let colour: ChalkInstance = pickColour(process.argv.includes("--no-color"));

function pickColour(noColourFlag: boolean): ChalkInstance {
  const enabled = !noColourFlag && !("NO_COLOR" in process.env && process.env.NO_COLOR !== "") && !!process.stderr.isTTY;
  return enabled ? new Chalk({ level: chalk.level || 1 }) : new Chalk({ level: 0 });
}

export function setColour(noColourFlag: boolean): void {
  colour = pickColour(noColourFlag);
}

export function c(): ChalkInstance {
  return colour;
}

export function say(line: string): void {
  process.stderr.write(line + "\n");
}

export function warn(line: string): void {
  process.stderr.write(colour.yellow("warning: ") + line + "\n");
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

import { stripVTControlCharacters } from "node:util";
import chalk, { Chalk, type ChalkInstance } from "chalk";

/**
 * Which stream gets what. A command's answer (a listing, a table, a verdict and its summary) goes to stdout, so
 * `scenario list | less` and `check run > verdict.txt` work; progress, warnings, errors and hints go to stderr.
 * Under --json stdout carries only the JSON, and the answer in words moves to stderr.
 *
 * Colour is decided per stream: lines are painted when colour is allowed (no NO_COLOR, no --no-color) and either
 * stream is a terminal, and the paint is taken off again on the way to a stream that is not one.
 */
let allowed = colourAllowed(process.argv.includes("--no-color"));
let colour: ChalkInstance = pickColour();

function colourAllowed(noColourFlag: boolean): boolean {
  return !noColourFlag && !("NO_COLOR" in process.env && process.env.NO_COLOR !== "");
}

function pickColour(): ChalkInstance {
  const enabled = allowed && (!!process.stderr.isTTY || !!process.stdout.isTTY);
  return enabled ? new Chalk({ level: chalk.level || 1 }) : new Chalk({ level: 0 });
}

export function setColour(noColourFlag: boolean): void {
  allowed = colourAllowed(noColourFlag);
  colour = pickColour();
}

export function c(): ChalkInstance {
  return colour;
}

/** `text` as it should reach `stream`: without colour codes unless the stream is a terminal. */
export function forStream(stream: NodeJS.WriteStream, text: string): string {
  return stream.isTTY && allowed ? text : stripVTControlCharacters(text);
}

/** Progress and diagnostics: stderr. */
export function say(line: string): void {
  process.stderr.write(forStream(process.stderr, line) + "\n");
}

export function warn(line: string): void {
  say(colour.yellow("warning: ") + line);
}

/**
 * The command's answer for people: stdout, unless `json` is set, when stdout belongs to the JSON and the words go
 * to stderr.
 */
export function answerer(json: boolean | undefined): (line: string) => void {
  const stream = json ? process.stderr : process.stdout;
  return (line) => {
    stream.write(forStream(stream, line) + "\n");
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

import { UsageError } from "../core/exit.js";

/**
 * Bad history input: always names the file and line, and says what was expected there, so the user can open the
 * file at that spot. It is a UsageError, so the CLI prints it as one line and exits 3.
 */
export class HistoryFormatError extends UsageError {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string, hint?: string) {
    super(`${file}:${line}: ${message}`, hint);
    this.name = "HistoryFormatError";
    this.file = file;
    this.line = line;
  }
}

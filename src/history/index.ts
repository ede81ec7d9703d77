/** The history API other modules use: reading, validating, pairing and writing histories. */

export { historyToEdn, writeEdnHistory } from "./edn-writer.js";
export { HistoryFormatError } from "./errors.js";
export { detectFormat, type FormatChoice, HISTORY_FORMATS, type HistoryFormat, parseFormatChoice } from "./format.js";
export * from "./op.js";
export { type OpPair, outcome, pairOps } from "./pair.js";
export type { ParsedHistory } from "./parsed.js";
export { type LoadedHistory, loadHistory, parseHistory, RUN_HISTORY_FILE, readHistory } from "./read.js";
export { validateHistory } from "./validate.js";
export { HistoryWriter, type HistoryWriterOptions } from "./writer.js";

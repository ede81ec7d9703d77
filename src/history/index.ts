/** The history API other modules use: reading, validating, pairing and writing histories. */
export * from "./op.js";
export { HistoryFormatError } from "./errors.js";
export type { ParsedHistory } from "./parsed.js";
export { detectFormat, parseFormatChoice, HISTORY_FORMATS, type FormatChoice, type HistoryFormat } from "./format.js";
export { loadHistory, parseHistory, readHistory, RUN_HISTORY_FILE, type LoadedHistory } from "./read.js";
export { validateHistory } from "./validate.js";
export { pairOps, outcome, type OpPair } from "./pair.js";
export { HistoryWriter, type HistoryWriterOptions } from "./writer.js";
export { historyToEdn, writeEdnHistory } from "./edn-writer.js";

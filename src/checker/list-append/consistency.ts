/** The isolation levels the list-append checker judges against, strongest first (their anomalies: index.ts). */
export const CONSISTENCY_MODELS = [
  "strict-serializable",
  "serializable",
  "snapshot-isolation",
  "read-committed",
] as const;
export type ConsistencyModel = (typeof CONSISTENCY_MODELS)[number];
/** A single primary serves every transaction in order, so the strongest model is the fair default. */
export const DEFAULT_CONSISTENCY: ConsistencyModel = "strict-serializable";

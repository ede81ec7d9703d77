/**
 * The one table that decides what an error means for the history: `fail` (the operation definitely did not take
 * effect) or `info` (it may have taken effect, now or later). Calling a write `fail` when it happened makes the
 * checkers cry wolf, so an entry says `fail` only with a reason it cannot have happened; anything unrecognised is
 * `info`.
 *
 * Three kinds of evidence:
 * - an error reply from the server (ioredis `ReplyError`): the server answered, so the command was processed and
 *   refused; the first word is Redis's error code;
 * - a client-side error whose meaning does not depend on whether the command reached the socket;
 * - a connection error, which is `fail` only if no byte of the command was written (the session tracks that) and
 *   `info` otherwise, since the server may have executed a command whose reply was lost.
 */

export type OutcomeType = "fail" | "info";

/** What the caller knows about the attempt besides the error itself. */
export interface AttemptFacts {
  /** True once any byte of the command was handed to a socket (see src/client/session.ts). */
  written: boolean;
}

export interface Classified {
  type: OutcomeType;
  /** The error text as the server or client gave it, kept verbatim on the op. */
  error: string;
  /** Which table entry decided, for reports and for debugging a classification. */
  rule: string;
}

/** `fail`/`info` regardless of the attempt, or `sent?` = `info` if the command was written, `fail` if not. */
type Decision = OutcomeType | "sent?";

interface ErrorFacts {
  name: string;
  /** First word of a server error reply (e.g. "READONLY"); undefined for client-side errors. */
  replyCode: string | undefined;
  message: string;
  /** Node's errno code for socket errors (ECONNRESET, ...). */
  errno: string | undefined;
}

interface Rule {
  name: string;
  matches(e: ErrorFacts): boolean;
  decision: Decision;
}

const reply = (code: string) => (e: ErrorFacts) => e.replyCode === code;
const errno =
  (...codes: string[]) =>
  (e: ErrorFacts) =>
    e.errno !== undefined && codes.includes(e.errno);
const clientMessage = (text: string) => (e: ErrorFacts) => e.replyCode === undefined && e.message.startsWith(text);
const replyText = (pattern: RegExp) => (e: ErrorFacts) => e.replyCode !== undefined && pattern.test(e.message);

/** Raised by the session when a write happened but the requested durability (WAIT/WAITAOF) was not confirmed. */
export class IndeterminateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IndeterminateError";
  }
}

/** First matching rule wins, so specific entries precede general ones. */
export const OUTCOME_RULES: readonly Rule[] = [
  // --- our own verdicts ------------------------------------------------------------------------------------------
  // The write reached the primary; only its replication/persistence is unconfirmed.
  { name: "durability-unconfirmed", matches: (e) => e.name === "IndeterminateError", decision: "info" },

  // --- server replies: refused before executing ------------------------------------------------------------------
  // A replica refuses writes outright; nothing was applied.
  { name: "READONLY", matches: reply("READONLY"), decision: "fail" },
  // min-replicas-to-write not met: checked before the command runs.
  { name: "NOREPLICAS", matches: reply("NOREPLICAS"), decision: "fail" },
  // stop-writes-on-bgsave-error: writes are rejected up front.
  { name: "MISCONF", matches: reply("MISCONF"), decision: "fail" },
  // maxmemory reached: the command is rejected before it runs (no partial effect).
  { name: "OOM", matches: reply("OOM"), decision: "fail" },
  // The node will not serve the slot at all.
  { name: "CLUSTERDOWN", matches: reply("CLUSTERDOWN"), decision: "fail" },
  // Dataset still loading: only LOADING-flagged commands run, ours did not.
  { name: "LOADING", matches: reply("LOADING"), decision: "fail" },
  // replica-serve-stale-data no while the link to the primary is down: refused.
  { name: "MASTERDOWN", matches: reply("MASTERDOWN"), decision: "fail" },
  // EVALSHA of a script the server does not have: nothing ran (the register workload then sends EVAL).
  { name: "NOSCRIPT", matches: reply("NOSCRIPT"), decision: "fail" },
  // Type check happens before any mutation.
  { name: "WRONGTYPE", matches: reply("WRONGTYPE"), decision: "fail" },
  // MULTI discarded because a queued command was rejected: EXEC ran nothing.
  { name: "EXECABORT", matches: reply("EXECABORT"), decision: "fail" },
  // A script is running (or the server is blocked by a module); the command was refused, not queued.
  { name: "BUSY", matches: reply("BUSY"), decision: "fail" },
  // Redirections: the node did not execute the command. The Cluster client follows them; seeing one here means
  // the redirect budget ran out or a standalone client reached a cluster node.
  { name: "MOVED", matches: reply("MOVED"), decision: "fail" },
  { name: "ASK", matches: reply("ASK"), decision: "fail" },
  // Multi-key command during slot migration with keys split between nodes: refused, safe to retry.
  { name: "TRYAGAIN", matches: reply("TRYAGAIN"), decision: "fail" },
  { name: "CROSSSLOT", matches: reply("CROSSSLOT"), decision: "fail" },
  // Authentication / ACL refusals happen before execution.
  { name: "NOAUTH", matches: reply("NOAUTH"), decision: "fail" },
  { name: "WRONGPASS", matches: reply("WRONGPASS"), decision: "fail" },
  { name: "NOPERM", matches: reply("NOPERM"), decision: "fail" },
  // A blocked BRPOP released by CLIENT UNBLOCK ... ERROR or by a role change: nothing was popped.
  { name: "UNBLOCKED", matches: reply("UNBLOCKED"), decision: "fail" },
  // A script that failed part-way keeps the writes it made before the error (scripts are not rolled back).
  // Redis 6 says "ERR Error running script", Redis 7+/Valkey "ERR user_script:<line>: ...".
  { name: "script-error", matches: replyText(/^ERR (Error running script|user_script:)/i), decision: "info" },
  // Generic ERR replies we know are rejections before execution.
  {
    name: "ERR-rejected",
    matches: replyText(
      /^ERR (syntax error|wrong number of arguments|unknown command|value is not an integer|increment or decrement would overflow|max number of clients reached|Protocol error|invalid expire time|DB index is out of range)/i,
    ),
    decision: "fail",
  },
  // Any other error reply: the server answered, but we do not know what it did (some engines report internal
  // failures after partial work, e.g. transaction timeouts), so stay indeterminate.

  // --- client-side, independent of the socket ------------------------------------------------------------------
  // ioredis' commandTimeout fired: the command may still execute (or have executed).
  { name: "timeout", matches: clientMessage("Command timed out"), decision: "info" },
  // Raised by Redis#sendCommand only on the path that never writes (offline queue disabled).
  { name: "not-writable", matches: clientMessage("Stream isn't writeable"), decision: "fail" },
  // Cluster client with no usable node and no offline queue: never written.
  { name: "cluster-not-ready", matches: clientMessage("Cluster isn't ready"), decision: "fail" },
  // Partial pipeline aborted after the connection dropped: the command had been written.
  { name: "aborted-after-close", matches: clientMessage("Command aborted due to connection close"), decision: "info" },

  // --- connection errors: meaning depends on whether the bytes went out --------------------------------------
  // ioredis rejects with this both before writing (client status "end") and when flushing commands already
  // written to a socket that closed; only the session's written flag tells them apart.
  { name: "connection-closed", matches: clientMessage("Connection is closed"), decision: "sent?" },
  // With maxRetriesPerRequest 0 ioredis flushes the in-flight queue with this on the first disconnect.
  { name: "max-retries", matches: clientMessage("Reached the max retries per request limit"), decision: "sent?" },
  { name: "cluster-ended", matches: clientMessage("Cluster is ended"), decision: "sent?" },
  // Could not establish a connection: if this reaches an op, the op was not sent unless the session saw a write.
  {
    name: "connect-refused",
    matches: errno("ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"),
    decision: "sent?",
  },
  // Reset / broken pipe / socket timeout: the command may have been executed before the connection broke.
  { name: "connection-broken", matches: errno("ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED"), decision: "sent?" },
];

/** Anything no rule recognised. */
const FALLBACK_RULE = "unknown";

function factsOf(err: unknown): ErrorFacts {
  if (err instanceof Error) {
    const isReply = err.name === "ReplyError";
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      replyCode: isReply ? (err.message.split(" ")[0] ?? "").toUpperCase() : undefined,
      message: err.message,
      errno: typeof code === "string" ? code : undefined,
    };
  }
  return { name: "", replyCode: undefined, message: String(err), errno: undefined };
}

/** "Too many Cluster redirections. Last error: <err>": the meaning is the last error's. */
const REDIRECTIONS_PREFIX = /^Too many Cluster redirections\. Last error: (?:(ReplyError|Error): )?/;

export function classifyError(err: unknown, attempt: AttemptFacts): Classified {
  const facts = factsOf(err);
  const text = facts.message;
  const wrapped = REDIRECTIONS_PREFIX.exec(text);
  if (wrapped && facts.replyCode === undefined) {
    const inner = text.slice(wrapped[0].length);
    const innerFacts: ErrorFacts = {
      name: wrapped[1] ?? "Error",
      replyCode: wrapped[1] === "ReplyError" ? (inner.split(" ")[0] ?? "").toUpperCase() : undefined,
      message: inner,
      errno: facts.errno,
    };
    return decide(innerFacts, attempt, text);
  }
  return decide(facts, attempt, text);
}

function decide(facts: ErrorFacts, attempt: AttemptFacts, error: string): Classified {
  for (const rule of OUTCOME_RULES) {
    if (!rule.matches(facts)) continue;
    const type: OutcomeType = rule.decision === "sent?" ? (attempt.written ? "info" : "fail") : rule.decision;
    return { type, error, rule: rule.name };
  }
  return { type: "info", error, rule: FALLBACK_RULE };
}

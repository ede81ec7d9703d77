import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { classifyError, IndeterminateError, OUTCOME_RULES } from "../../src/client/outcome.js";

const sent = { written: true };
const unsent = { written: false };

function replyErr(text: string): Error {
  return new ReplyError(text) as Error;
}
function sockErr(code: string, message = `connect ${code} 10.0.0.2:6379`): Error {
  return Object.assign(new Error(message), { code });
}

describe("server error replies", () => {
  const refusals: Array<[string, string]> = [
    ["READONLY", "READONLY You can't write against a read only replica."],
    ["NOREPLICAS", "NOREPLICAS Not enough good replicas to write."],
    ["MISCONF", "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk."],
    ["OOM", "OOM command not allowed when used memory > 'maxmemory'."],
    ["CLUSTERDOWN", "CLUSTERDOWN The cluster is down"],
    ["LOADING", "LOADING Redis is loading the dataset in memory"],
    ["MASTERDOWN", "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."],
    ["NOSCRIPT", "NOSCRIPT No matching script. Please use EVAL."],
    ["WRONGTYPE", "WRONGTYPE Operation against a key holding the wrong kind of value"],
    ["EXECABORT", "EXECABORT Transaction discarded because of previous errors."],
    ["BUSY", "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT."],
    ["MOVED", "MOVED 3999 127.0.0.1:6381"],
    ["ASK", "ASK 3999 127.0.0.1:6381"],
    ["TRYAGAIN", "TRYAGAIN Multiple keys request during rehashing of slot"],
    ["CROSSSLOT", "CROSSSLOT Keys in request don't hash to the same slot"],
    ["NOAUTH", "NOAUTH Authentication required."],
    ["WRONGPASS", "WRONGPASS invalid username-password pair or user is disabled."],
    ["NOPERM", "NOPERM this user has no permissions to run the 'set' command"],
    ["UNBLOCKED", "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"],
    ["ERR-rejected", "ERR syntax error"],
    ["ERR-rejected", "ERR wrong number of arguments for 'set' command"],
    ["ERR-rejected", "ERR unknown command 'WAITAOF', with args beginning with: "],
    ["ERR-rejected", "ERR value is not an integer or out of range"],
    ["ERR-rejected", "ERR max number of clients reached"],
  ];
  it.each(refusals)("%s reply is fail even though the command was written: %s", (rule, text) => {
    const out = classifyError(replyErr(text), sent);
    expect(out).toEqual({ type: "fail", error: text, rule });
  });

  it("a script that errored part-way may have written: info", () => {
    for (const text of [
      "ERR Error running script (call to f_1234): @user_script:1: WRONGTYPE ...",
      "ERR user_script:1: Script attempted to access nonexistent global variable 'x'",
    ]) {
      expect(classifyError(replyErr(text), sent)).toMatchObject({ type: "info", rule: "script-error" });
    }
  });

  it("an unrecognised error reply is info, text kept", () => {
    const text = "ERR something the engine invented";
    expect(classifyError(replyErr(text), sent)).toEqual({ type: "info", error: text, rule: "unknown" });
    expect(classifyError(replyErr("WEIRDCODE nope"), sent).type).toBe("info");
  });

  it("matches error codes by the first word, case-insensitively, not by substrings", () => {
    expect(classifyError(replyErr("readonly lower case"), sent).type).toBe("fail");
    // "READONLY" inside an unknown reply must not make it a refusal.
    expect(classifyError(replyErr("ERR weird READONLY mention"), sent).type).toBe("info");
  });
});

describe("client-side errors", () => {
  it("timeouts are info whether or not the client thinks it wrote", () => {
    expect(classifyError(new Error("Command timed out"), sent)).toMatchObject({ type: "info", rule: "timeout" });
    expect(classifyError(new Error("Command timed out"), unsent).type).toBe("info");
  });

  it("offline-queue refusals never wrote anything: fail", () => {
    const a = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    const b = new Error("Cluster isn't ready and enableOfflineQueue options is false");
    expect(classifyError(a, unsent)).toMatchObject({ type: "fail", rule: "not-writable" });
    expect(classifyError(b, unsent)).toMatchObject({ type: "fail", rule: "cluster-not-ready" });
  });

  it("'Connection is closed.' depends on whether the command was written", () => {
    const e = new Error("Connection is closed.");
    expect(classifyError(e, unsent)).toMatchObject({ type: "fail", rule: "connection-closed" });
    expect(classifyError(e, sent)).toMatchObject({ type: "info", rule: "connection-closed" });
  });

  it("max-retries flush and ended clusters depend on the write too", () => {
    const m = new Error(
      'Reached the max retries per request limit (which is 0). Refer to "maxRetriesPerRequest" option for details.',
    );
    expect(classifyError(m, sent).type).toBe("info");
    expect(classifyError(m, unsent).type).toBe("fail");
    const c = Object.assign(new Error("Cluster is ended."), { name: "AbortError" });
    expect(classifyError(c, unsent).type).toBe("fail");
    expect(classifyError(c, sent).type).toBe("info");
  });

  it("pipeline commands aborted on close had been written: info", () => {
    expect(classifyError(new Error("Command aborted due to connection close"), unsent).type).toBe("info");
  });

  it.each([
    "ECONNREFUSED",
    "ENOTFOUND",
    "EAI_AGAIN",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ECONNRESET",
    "EPIPE",
    "ETIMEDOUT",
  ])("socket error %s is fail before the write and info after it", (code) => {
    expect(classifyError(sockErr(code), unsent).type).toBe("fail");
    expect(classifyError(sockErr(code), sent).type).toBe("info");
  });

  it("unknown errors and non-Error throwables are info", () => {
    expect(classifyError(new Error("something odd"), unsent)).toEqual({
      type: "info",
      error: "something odd",
      rule: "unknown",
    });
    expect(classifyError("a string", unsent)).toEqual({ type: "info", error: "a string", rule: "unknown" });
    expect(classifyError(sockErr("EWHATEVER"), unsent).type).toBe("info");
  });

  it("unconfirmed durability is info", () => {
    const e = new IndeterminateError("durability: WAIT 2 reached 1 replica(s) within 100 ms");
    expect(classifyError(e, sent)).toMatchObject({ type: "info", rule: "durability-unconfirmed" });
  });
});

describe("cluster redirection budget exhausted", () => {
  it("takes the meaning of the last error", () => {
    const moved = new Error("Too many Cluster redirections. Last error: ReplyError: MOVED 12 10.0.0.3:6379");
    expect(classifyError(moved, sent)).toMatchObject({ type: "fail", rule: "MOVED", error: moved.message });
    const closed = new Error("Too many Cluster redirections. Last error: Error: Connection is closed.");
    expect(classifyError(closed, sent).type).toBe("info");
    expect(classifyError(closed, unsent).type).toBe("fail");
    const timedOut = new Error("Too many Cluster redirections. Last error: Error: Command timed out");
    expect(classifyError(timedOut, unsent).type).toBe("info");
  });
});

describe("the table", () => {
  it("has unique rule names", () => {
    const names = OUTCOME_RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

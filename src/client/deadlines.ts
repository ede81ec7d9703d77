/**
 * Op deadlines without a timer per op. Every command already has ioredis' own timeout; the op deadline only catches
 * an op that never settles, so it need not arm and clear a timer on every op (a run does tens of thousands a
 * second). Deadlines of one length are kept in start order in one list, so they expire in order: one timer per
 * length, armed for the oldest open op. A settled op is unlinked at once, so it dies young rather than being held
 * (and promoted by the garbage collector) until its deadline would have passed.
 */

export interface Deadline {
  list: DeadlineList;
  at: number;
  reject: ((e: Error) => void) | undefined;
  prev: Deadline | undefined;
  next: Deadline | undefined;
}

class DeadlineList {
  private head: Deadline | undefined;
  private tail: Deadline | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly ms: number,
    private readonly message: string,
  ) {}

  add(reject: (e: Error) => void): Deadline {
    const d: Deadline = { list: this, at: performance.now() + this.ms, reject, prev: this.tail, next: undefined };
    if (this.tail) this.tail.next = d;
    else this.head = d;
    this.tail = d;
    if (this.timer === undefined) this.arm(this.ms);
    else if (d === this.head) this.timer.ref();
    return d;
  }

  remove(d: Deadline): void {
    if (d.reject === undefined) return;
    d.reject = undefined;
    if (d.prev) d.prev.next = d.next;
    else this.head = d.next;
    if (d.next) d.next.prev = d.prev;
    else this.tail = d.prev;
    d.prev = d.next = undefined;
    // With nothing open, a sweep still pending must not hold a finished process for up to a deadline.
    if (this.head === undefined) this.timer?.unref();
  }

  private arm(inMs: number): void {
    this.timer = setTimeout(() => this.sweep(), Math.max(1, Math.ceil(inMs)));
  }

  private sweep(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head !== undefined && this.head.at <= now) {
      const d = this.head;
      const reject = d.reject!;
      this.remove(d);
      reject(new Error(this.message));
    }
    if (this.head !== undefined) this.arm(this.head.at - now);
  }
}

const opLists = new Map<number, DeadlineList>();
const commandLists = new Map<number, DeadlineList>();

function listFor(lists: Map<number, DeadlineList>, ms: number, message: string): DeadlineList {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DeadlineList(ms, message);
    lists.set(ms, list);
  }
  return list;
}

/**
 * Calls `reject` with a "Command timed out (op deadline of `ms` ms)" error once `ms` have passed, unless
 * `clearDeadline` is called first. Never early; late by at most a timer's precision. While an op is open its timer
 * keeps the process alive, as a timer of its own would.
 */
export function watchDeadline(ms: number, reject: (e: Error) => void): Deadline {
  return listFor(opLists, ms, `Command timed out (op deadline of ${ms} ms)`).add(reject);
}

/** The same for one command: the error is ioredis' own "Command timed out", which src/client/outcome.ts reads. */
export function watchCommandTimeout(ms: number, reject: (e: Error) => void): Deadline {
  return listFor(commandLists, ms, "Command timed out").add(reject);
}

export function clearDeadline(d: Deadline): void {
  d.list.remove(d);
}

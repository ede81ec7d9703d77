import { MAX_NESTING, tooDeepMessage } from "./limits.js";

/**
 * A small EDN reader, enough for the histories Jepsen writes (history.edn, jepsen.log values).
 *
 * Why not the `edn-data` package: it returns null or silently drops a dangling map key on malformed input and
 * reports no positions, and a history reader must say which line is wrong. This one is strict and positional.
 *
 * Mapping to plain data: nil -> null; keywords and symbols -> strings without the colon (`:ok` -> "ok",
 * `:jepsen/x` -> "jepsen/x"); vectors, lists and sets -> arrays; maps -> objects (keys turned into strings);
 * characters -> one-character strings; tagged literals (`#jepsen.history.Op{...}`, `#inst "..."`) -> the tagged
 * form itself, since histories only need the data inside. Integers beyond 2^53 are rejected rather than rounded,
 * because a silently changed value would turn into a false anomaly.
 */
export type EdnValue = null | boolean | number | string | EdnValue[] | { [key: string]: EdnValue };

export class EdnSyntaxError extends Error {
  /** 1-based position of the problem. */
  readonly line: number;
  readonly column: number;
  /** The input ended inside a form: the sign of a file cut short by a crash. */
  readonly atEnd: boolean;
  constructor(message: string, line: number, column: number, atEnd: boolean) {
    super(message);
    this.name = "EdnSyntaxError";
    this.line = line;
    this.column = column;
    this.atEnd = atEnd;
  }
}

export interface EdnForm {
  value: EdnValue;
  /** Line on which the form starts. */
  line: number;
  /** For a top-level vector, list or set: the line each element starts on (a history vector's ops). */
  itemLines?: number[];
}

const CLOSERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
const NAMED_CHARS: Record<string, string> = {
  newline: "\n",
  space: " ",
  tab: "\t",
  return: "\r",
  backspace: "\b",
  formfeed: "\f",
};
const STRING_ESCAPES: Record<string, string> = { t: "\t", r: "\r", n: "\n", "\\": "\\", '"': '"', b: "\b", f: "\f" };

function isWhitespace(ch: string): boolean {
  return ch === " " || ch === "," || ch === "\n" || ch === "\t" || ch === "\r" || ch === "\f";
}

function isDelimiter(ch: string): boolean {
  return (
    isWhitespace(ch) ||
    ch === "(" ||
    ch === ")" ||
    ch === "[" ||
    ch === "]" ||
    ch === "{" ||
    ch === "}" ||
    ch === '"' ||
    ch === ";"
  );
}

const INTEGER = /^[+-]?\d+N?$/;
const HEX = /^[+-]?0[xX][0-9a-fA-F]+$/;
const FLOAT = /^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?M?$/;
const RATIO = /^[+-]?\d+\/\d+$/;

/** Discarded forms (`#_x`) read as this marker and are skipped by whoever asked for a form. */
const DISCARD = Symbol("discard");
type Read = EdnValue | typeof DISCARD;

export class EdnReader {
  private pos = 0;
  private lineNo: number;
  private lineStart = 0;
  /** Nesting depth; element lines are kept only for top-level collections (tracking every map costs GC time). */
  private depth = 0;
  /** Forms being read inside one another, tags and discards included: the reader recurses once per level. */
  private nesting = 0;
  private topItemLines: number[] | undefined;

  constructor(
    private readonly text: string,
    firstLine = 1,
  ) {
    this.lineNo = firstLine;
  }

  /** The next top-level form, or undefined at the end of the input. */
  next(): EdnForm | undefined {
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) return undefined;
      const line = this.lineNo;
      this.topItemLines = undefined;
      const value = this.readForm();
      if (value === DISCARD) continue;
      return this.topItemLines === undefined ? { value, line } : { value, line, itemLines: this.topItemLines };
    }
  }

  /** How far the reader has got, as an offset into the text (for reading one form off the front of a line). */
  get offset(): number {
    return this.pos;
  }

  /** An unclosed form is reported at the line that opened it: that is where the user has to look. */
  private fail(message: string, atEnd = false, openLine?: number): never {
    if (openLine !== undefined) throw new EdnSyntaxError(message, openLine, 1, atEnd);
    throw new EdnSyntaxError(message, this.lineNo, this.pos - this.lineStart + 1, atEnd);
  }

  private skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const ch = t[this.pos]!;
      if (ch === "\n") {
        this.pos++;
        this.lineNo++;
        this.lineStart = this.pos;
      } else if (isWhitespace(ch)) {
        this.pos++;
      } else if (ch === ";") {
        while (this.pos < t.length && t[this.pos] !== "\n") this.pos++;
      } else {
        return;
      }
    }
  }

  private readForm(): Read {
    if (++this.nesting > MAX_NESTING) this.fail(tooDeepMessage());
    const form = this.readFormAt();
    this.nesting--;
    return form;
  }

  private readFormAt(): Read {
    const t = this.text;
    const ch = t[this.pos]!;
    switch (ch) {
      case "(":
      case "[":
        this.pos++;
        return this.readSeq(CLOSERS[ch]!, ch === "(" ? "list" : "vector");
      case "{":
        this.pos++;
        return this.readMap();
      case ")":
      case "]":
      case "}":
        this.fail(`unexpected \`${ch}\` with no matching opening bracket`);
      case '"':
        this.pos++;
        return this.readString();
      case "\\":
        this.pos++;
        return this.readChar();
      case "#":
        this.pos++;
        return this.readDispatch();
      default:
        return this.readAtom();
    }
  }

  private readSeq(closer: string, what: string): EdnValue[] {
    const openLine = this.lineNo;
    const out: EdnValue[] = [];
    const lines: number[] | undefined = this.depth === 0 ? [] : undefined;
    this.depth++;
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) {
        this.fail(`input ended inside the ${what} opened at line ${openLine} (expected \`${closer}\`)`, true, openLine);
      }
      if (this.text[this.pos] === closer) {
        this.pos++;
        this.depth--;
        if (lines !== undefined) this.topItemLines = lines;
        return out;
      }
      const line = this.lineNo;
      const v = this.readForm();
      if (v === DISCARD) continue;
      out.push(v);
      lines?.push(line);
    }
  }

  private readMap(): { [key: string]: EdnValue } {
    const openLine = this.lineNo;
    this.depth++;
    const entries: Array<[string, EdnValue]> = [];
    let key: EdnValue | undefined;
    let haveKey = false;
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) {
        this.fail(`input ended inside the map opened at line ${openLine} (expected \`}\`)`, true, openLine);
      }
      if (this.text[this.pos] === "}") {
        if (haveKey) {
          this.fail(`the map opened at line ${openLine} has a key (${describe(key!)}) with no value`);
        }
        this.pos++;
        this.depth--;
        // fromEntries defines own properties, so a key like "__proto__" stays data.
        return Object.fromEntries(entries);
      }
      const v = this.readForm();
      if (v === DISCARD) continue;
      if (!haveKey) {
        key = v;
        haveKey = true;
      } else {
        entries.push([mapKey(key!), v]);
        haveKey = false;
      }
    }
  }

  private readString(): string {
    const t = this.text;
    const openLine = this.lineNo;
    let out = "";
    let chunkStart = this.pos;
    while (this.pos < t.length) {
      const ch = t[this.pos]!;
      if (ch === '"') {
        out += t.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (ch === "\n") {
        this.lineNo++;
        this.lineStart = this.pos + 1;
      }
      if (ch === "\\") {
        out += t.slice(chunkStart, this.pos);
        const esc = t[this.pos + 1];
        if (esc === undefined) break;
        if (esc === "u") {
          const hex = t.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(`bad \\u escape in string: expected 4 hex digits`);
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else {
          const rep = STRING_ESCAPES[esc];
          if (rep === undefined) this.fail(`unknown escape \\${esc} in string`);
          out += rep;
          this.pos += 2;
        }
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
    this.fail(`input ended inside the string opened at line ${openLine} (expected a closing \`"\`)`, true, openLine);
  }

  private readChar(): string {
    const start = this.pos;
    // A character literal is at least one character, even a delimiter (`\(`), then runs to the next delimiter.
    if (this.pos >= this.text.length) this.fail("input ended after `\\` (expected a character)", true);
    this.pos++;
    while (this.pos < this.text.length && !isDelimiter(this.text[this.pos]!)) this.pos++;
    const name = this.text.slice(start, this.pos);
    if (name.length === 1) return name;
    const named = NAMED_CHARS[name];
    if (named !== undefined) return named;
    if (/^u[0-9a-fA-F]{4}$/.test(name)) return String.fromCharCode(parseInt(name.slice(1), 16));
    this.pos = start;
    this.fail(`unknown character literal \\${name}`);
  }

  private readDispatch(): Read {
    const t = this.text;
    const ch = t[this.pos];
    if (ch === undefined) this.fail("input ended after `#`", true);
    if (ch === "{") {
      this.pos++;
      return this.readSeq("}", "set");
    }
    if (ch === "_") {
      this.pos++;
      this.skipSpace();
      if (this.pos >= t.length) this.fail("input ended after `#_` (expected a form to discard)", true);
      this.readForm();
      return DISCARD;
    }
    if (ch === "#") {
      this.pos++;
      const sym = this.readToken();
      if (sym === "Inf") return Infinity;
      if (sym === "-Inf") return -Infinity;
      if (sym === "NaN") return NaN;
      this.fail(`unknown symbolic value ##${sym} (expected ##Inf, ##-Inf or ##NaN)`);
    }
    if (/[A-Za-z]/.test(ch)) {
      // A tagged literal: `#jepsen.history.Op{...}`, `#inst "..."`, `#object[...]`. The data is what matters.
      const tag = this.readToken();
      this.skipSpace();
      if (this.pos >= t.length) this.fail(`input ended after the tag #${tag} (expected the tagged form)`, true);
      return this.readForm();
    }
    this.fail(`unsupported dispatch \`#${ch}\` (expected #{...}, #_, ##Inf or a tagged literal like #inst "...")`);
  }

  private readToken(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !isDelimiter(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private readAtom(): EdnValue {
    const start = this.pos;
    const tok = this.readToken();
    if (tok === "nil") return null;
    if (tok === "true") return true;
    if (tok === "false") return false;
    const first = tok[0]!;
    const second = tok[1];
    const numeric =
      (first >= "0" && first <= "9") ||
      ((first === "+" || first === "-") && second !== undefined && second >= "0" && second <= "9");
    if (numeric) return this.number(tok, start);
    if (first === ":") {
      if (tok.length === 1 || tok[1] === ":") {
        this.pos = start;
        this.fail(`bad keyword \`${tok}\` (expected a name after \`:\`)`);
      }
      return tok.slice(1);
    }
    // Symbols (`foo`, `java.lang.Exception`) become their names.
    return tok;
  }

  private number(tok: string, start: number): number {
    let n: number;
    if (INTEGER.test(tok)) {
      n = Number(tok.endsWith("N") ? tok.slice(0, -1) : tok);
      if (!Number.isSafeInteger(n)) {
        this.pos = start;
        this.fail(`integer ${tok} is too large to read exactly (beyond 2^53)`);
      }
      return n;
    }
    if (HEX.test(tok)) return Number.parseInt(tok.replace("0x", "").replace("0X", ""), 16);
    if (FLOAT.test(tok)) return Number(tok.endsWith("M") ? tok.slice(0, -1) : tok);
    if (RATIO.test(tok)) {
      const [a, b] = tok.split("/");
      return Number(a) / Number(b);
    }
    this.pos = start;
    this.fail(`bad number \`${tok}\``);
  }
}

function mapKey(key: EdnValue): string {
  if (typeof key === "string") return key;
  if (key === null || typeof key !== "object") return String(key);
  return JSON.stringify(key);
}

function describe(v: EdnValue): string {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 37) + "..." : s;
}

/** Reads exactly one form from `text` (surrounding whitespace and comments allowed). */
export function readEdn(text: string): EdnValue {
  const r = new EdnReader(text);
  const form = r.next();
  if (form === undefined) throw new EdnSyntaxError("expected an EDN form, found nothing", 1, 1, true);
  const extra = r.next();
  if (extra !== undefined) {
    throw new EdnSyntaxError(
      `expected one EDN form, found another starting at line ${extra.line}`,
      extra.line,
      1,
      false,
    );
  }
  return form.value;
}

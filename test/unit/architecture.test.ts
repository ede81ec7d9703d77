/**
 * Architecture rules, checked by reading the source tree (plain fs reads and regexes; no TypeScript compiler).
 *
 * Source roots: src/, nemeses/, workloads/. A "folder" is src/<first-level dir> for a file in a subdirectory of src
 * (src/checker/linearizable/x.ts belongs to src/checker), `src` for a file directly in src/, and `nemeses` /
 * `workloads` for the top-level roots. Only relative imports (./, ../) are edges; packages and node: are ignored.
 * Imports found: `import ... from`, `import type ... from`, `export ... from` (also `export type`), side-effect
 * `import "./x.js"`, and dynamic `import("./x.js")`, each possibly spread over several lines.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SOURCE_ROOTS = ["src", "nemeses", "workloads"];
const SOURCE_EXT = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;

interface SourceFile {
  /** Repository-relative, always with forward slashes. */
  path: string;
  folder: string;
  text: string;
  /** `text` with comments blanked out (line breaks kept, so line numbers still match). */
  code: string;
}

interface ImportEdge {
  from: SourceFile;
  specifier: string;
  /** Repository-relative path the specifier resolves to (the .ts file when it exists). */
  target: string;
  targetFolder: string;
  line: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Scanning

function toPosix(p: string): string {
  return p.split(sep).join("/");
}

function folderOf(repoPath: string): string {
  const parts = repoPath.split("/");
  if (parts[0] === "src") return parts.length <= 2 ? "src" : `src/${parts[1]}`;
  return parts[0]!; // nemeses, workloads, or something outside the roots (package.json, test, ...)
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (SOURCE_EXT.test(entry.name)) out.push(full);
  }
}

/**
 * Blanks out `//` and `/* *\/` comments, leaving strings, template literals and regex literals alone (so `"http://x"`
 * or `/\/\*+/` are not taken for comments). Line breaks inside comments are kept.
 */
function stripComments(src: string): string {
  const REGEX_AFTER = new Set([..."(,=:[!&|?{};+-*%<>~^"]);
  const REGEX_AFTER_WORD = /^(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;
  const templates: number[] = []; // brace depth at which each open `${` started
  let depth = 0;
  let out = "";
  let prev = ""; // last significant code character ("a" after a word, a literal or a regex)
  let prevWord = "";
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    const d = src[i + 1];
    if (c === "/" && d === "/") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && d === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      out += " " + src.slice(i, stop).replace(/[^\n]/g, "");
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i++;
      while (i < n && src[i] !== c && src[i] !== "\n") i += src[i] === "\\" ? 2 : 1;
      i++;
      out += src.slice(start, i);
      prev = "a";
      prevWord = "";
      continue;
    }
    if (c === "`" || (c === "}" && templates.length > 0 && templates[templates.length - 1] === depth)) {
      if (c === "}") templates.pop();
      const start = i++;
      prev = "a";
      while (i < n) {
        if (src[i] === "\\") i += 2;
        else if (src[i] === "`") {
          i++;
          break;
        } else if (src[i] === "$" && src[i + 1] === "{") {
          i += 2;
          templates.push(depth);
          prev = "{";
          break;
        } else i++;
      }
      out += src.slice(start, i);
      prevWord = "";
      continue;
    }
    if (c === "/" && (prev === "" || REGEX_AFTER.has(prev) || REGEX_AFTER_WORD.test(prevWord))) {
      const start = i++;
      let inClass = false;
      while (i < n && src[i] !== "\n") {
        const ch = src[i];
        if (ch === "\\") {
          i += 2;
          continue;
        }
        i++;
        if (ch === "[") inClass = true;
        else if (ch === "]") inClass = false;
        else if (ch === "/" && !inClass) break;
      }
      while (i < n && /[a-z]/i.test(src[i]!)) i++;
      out += src.slice(start, i);
      prev = "a";
      prevWord = "";
      continue;
    }
    if (/[\w$]/.test(c)) {
      const start = i;
      while (i < n && /[\w$]/.test(src[i]!)) i++;
      prevWord = src.slice(start, i);
      prev = "a";
      out += prevWord;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}") depth--;
    if (!/\s/.test(c)) {
      prev = c;
      prevWord = "";
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * Static: `import`/`export`, then anything that cannot hold a string, `=` or parentheses (the clause, which may span
 * lines and start with `type`), then `from`, then the quoted specifier; or `import "x"` with no clause.
 * Dynamic: `import("x")` with a literal specifier.
 */
const IMPORT_RE =
  /\b(?:import|export)\s+(?:[^'"`;=()]*?\bfrom\s*)?(['"])([^'"\n]+)\1|\bimport\s*\(\s*(['"])([^'"\n]+)\3\s*\)/g;

function importSpecifiers(code: string): { specifier: string; index: number }[] {
  const out: { specifier: string; index: number }[] = [];
  for (const m of code.matchAll(IMPORT_RE)) out.push({ specifier: (m[2] ?? m[4])!, index: m.index });
  return out;
}

/** Joins items with ", " into lines of at most `width` characters (an item longer than that gets its own line). */
function wrap(items: string[], indent: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const item of items) {
    if (line && indent.length + line.length + 2 + item.length > width) {
      out.push(indent + line + ",");
      line = item;
    } else line = line ? `${line}, ${item}` : item;
  }
  if (line) out.push(indent + line);
  return out;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function resolveImport(fromAbs: string, specifier: string): string {
  const base = resolve(dirname(fromAbs), specifier);
  const candidates = [
    base
      .replace(/\.js$/, ".ts")
      .replace(/\.mjs$/, ".mts")
      .replace(/\.cjs$/, ".cts")
      .replace(/\.jsx$/, ".tsx"),
    base,
    `${base}.ts`,
    join(base, "index.ts"),
    join(base, "index.js"),
  ];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  return base;
}

function loadSources(): SourceFile[] {
  const files: string[] = [];
  for (const r of SOURCE_ROOTS) if (existsSync(join(ROOT, r))) walk(join(ROOT, r), files);
  return files.sort().map((abs) => {
    const path = toPosix(relative(ROOT, abs));
    const text = readFileSync(abs, "utf8");
    return { path, folder: folderOf(path), text, code: stripComments(text) };
  });
}

function relativeImports(files: SourceFile[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const f of files) {
    for (const { specifier, index } of importSpecifiers(f.code)) {
      if (!/^\.\.?(\/|$)/.test(specifier)) continue;
      const target = toPosix(relative(ROOT, resolveImport(join(ROOT, f.path), specifier)));
      edges.push({ from: f, specifier, target, targetFolder: folderOf(target), line: lineAt(f.code, index) });
    }
  }
  return edges;
}

/** Tarjan's strongly connected components over the folder graph. */
function stronglyConnected(nodes: string[], next: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return components;
}

const FILES = loadSources();
const EDGES = relativeImports(FILES);

// ---------------------------------------------------------------------------------------------------------------
// Rule 4's vocabulary

/**
 * The names checkers report under: results.json holds `checkers: [{ workload, checker, result }]`, where `checker` is
 * `Checker.name` (src/runner/checkRun.ts, checkHistory). The names are declared at:
 *   "linearizable"  workloads/register.ts   (RegisterWorkload.checkers(), inline checker)
 *   "set"           src/checker/set.ts      (setChecker, used by workloads/set.ts)
 *   "counter"       src/checker/counter.ts  (counterChecker, used by workloads/counter.ts)
 *   "queue"         src/checker/queue.ts    (queueChecker, used by workloads/queue.ts)
 * "set", "counter" and "queue" are also workload names (workloads/index.ts), so `c.workload === "set"` is caught
 * too; that is intended (it is the same dispatch). Update this list when a checker is added.
 */
const CHECKER_NAMES = ["linearizable", "set", "counter", "queue"];
const DISPATCH_FOLDERS = ["src/report", "src/metrics", "src/compare"];

const NAME = `(?:${CHECKER_NAMES.join("|")})`;
const QUOTED = `(["'\`])${NAME}\\1`; // a string literal that is exactly a checker name (one capture group)
/**
 * What counts as dispatching on a checker name (matched on comment-stripped code). A name as plain text, e.g. a table
 * header `["set", "element"]`, a label `row("linearizable", ...)`, an object key `set: 1` or `Map.set(...)`, is NOT
 * counted: only these forms are.
 */
const DISPATCH_PATTERNS: { kind: string; re: RegExp }[] = [
  // checker === "set", "queue" !== c.checker
  { kind: "comparison", re: new RegExp(`(?:===|!==|==|!=)\\s*${QUOTED}|${QUOTED}\\s*(?:===|!==|==|!=)`, "g") },
  // case "counter":
  { kind: "switch case", re: new RegExp(`\\bcase\\s+${QUOTED}\\s*:`, "g") },
  // byName["set"], x?.["queue"] (an index after an expression, not an array literal)
  { kind: "string index", re: new RegExp(`(?:[\\w$)\\]]|\\?\\.)\\s*\\[\\s*${QUOTED}\\s*\\]`, "g") },
  // names.has("set"), names.includes("queue"), table.get("counter")
  { kind: "lookup call", re: new RegExp(`\\.(?:has|includes|get)\\(\\s*${QUOTED}\\s*\\)`, "g") },
  // new Set(["set", "queue"]) or ["set", "queue"].includes(...): a membership list of names
  {
    kind: "name list",
    re: new RegExp(`new Set\\(\\s*\\[[^\\]]*${QUOTED}[^\\]]*\\]|\\[[^\\]]*${QUOTED}[^\\]]*\\]\\s*\\.includes\\(`, "g"),
  },
  // Property access keyed by checker name. `.linearizable` is unambiguous anywhere (e.g. figures.linearizable);
  // `.set/.counter/.queue` only on the receivers seen holding per-checker data (breakdown.set in src/metrics) or
  // obviously named so, since `.set` is also Map.set / Set methods.
  { kind: "property", re: /\.linearizable\b(?!\s*\()/g },
  {
    kind: "property",
    re: /\b(?:results|checkers|byChecker|perChecker|breakdown)\??\.(?:set|counter|queue)\b(?!\s*\()/g,
  },
];

interface Site {
  file: string;
  line: number;
  kind: string;
  match: string;
}

function dispatchSites(): Site[] {
  const sites: Site[] = [];
  for (const f of FILES) {
    if (!DISPATCH_FOLDERS.includes(f.folder)) continue;
    for (const { kind, re } of DISPATCH_PATTERNS) {
      for (const m of f.code.matchAll(re))
        sites.push({ file: f.path, line: lineAt(f.code, m.index), kind, match: m[0].replace(/\s+/g, " ") });
    }
  }
  return sites.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

// ---------------------------------------------------------------------------------------------------------------

describe("architecture scanner (self-check)", () => {
  it("finds multi-line, type-only, re-export and dynamic imports, and ignores commented-out ones", () => {
    const src = [
      `import type { A } from "./a.js";`,
      `import {`,
      `  b,`,
      `  type C,`,
      `} from "../b/c.js";`,
      `export * from "./d.js";`,
      `export type { E } from './e.js';`,
      `import "./side.js";`,
      `const f = await import("./f.js");`,
      `// import { x } from "./commented.js";`,
      `/* export * from "./block.js"; */`,
      `const url = "http://example.com/"; const re = /\\/\\*/; export const g = 1;`,
      `import chalk from "chalk";`,
    ].join("\n");
    expect(importSpecifiers(stripComments(src)).map((s) => s.specifier)).toEqual([
      "./a.js",
      "../b/c.js",
      "./d.js",
      "./e.js",
      "./side.js",
      "./f.js",
      "chalk",
    ]);
    expect(stripComments(src).split("\n")).toHaveLength(src.split("\n").length);
    expect(stripComments("const s = `a ${b /* c */} // d`; // e")).toBe("const s = `a ${b  } // d`; ");
  });

  it("finds strongly connected components", () => {
    const g = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a", "d"])],
      ["d", new Set(["d"])],
    ]);
    expect(stronglyConnected(["a", "b", "c", "d", "e"], g).sort()).toEqual([["a", "b", "c"], ["d"], ["e"]]);
  });

  it("reads the source tree", () => {
    expect(FILES.length).toBeGreaterThan(50);
    expect(EDGES.length).toBeGreaterThan(100);
  });
});

describe("architecture", () => {
  it("has no import cycle between folders", () => {
    const next = new Map<string, Set<string>>();
    const edgeFiles = new Map<string, ImportEdge[]>();
    for (const e of EDGES) {
      if (e.from.folder === e.targetFolder) continue;
      if (!next.has(e.from.folder)) next.set(e.from.folder, new Set());
      next.get(e.from.folder)!.add(e.targetFolder);
      const key = `${e.from.folder} -> ${e.targetFolder}`;
      edgeFiles.set(key, [...(edgeFiles.get(key) ?? []), e]);
    }
    const nodes = [...new Set(FILES.map((f) => f.folder))].sort();
    const cycles = stronglyConnected(nodes, next).filter((c) => c.length > 1);
    const report = cycles.map((folders, i) => {
      const inside = [...edgeFiles].filter(([key]) => {
        const [a, b] = key.split(" -> ");
        return folders.includes(a!) && folders.includes(b!);
      });
      const mutual = inside.map(([key]) => key.split(" -> ")).filter(([a, b]) => a! < b! && next.get(b!)?.has(a!));
      const lines = [
        `cycle ${i + 1}: ${folders.length} folders, ${inside.length} edges between them: ${folders.join(", ")}`,
        `  two-way pairs: ${mutual.length ? mutual.map(([a, b]) => `${a} <-> ${b}`).join(", ") : "none"}`,
        `  edges (importing file:line ...):`,
      ];
      for (const [key, es] of inside.sort(([a], [b]) => a.localeCompare(b))) {
        const byFile = new Map<string, number[]>();
        for (const e of es) byFile.set(e.from.path, [...(byFile.get(e.from.path) ?? []), e.line]);
        const targets = [...new Set(es.map((e) => e.target))].join(", ");
        lines.push(`    ${key}  (${es.length} import${es.length === 1 ? "" : "s"} of ${targets})`);
        lines.push(
          ...wrap(
            [...byFile].map(([f, ls]) => `${f}:${ls.join(",")}`),
            "        ",
            150,
          ),
        );
      }
      return lines.join("\n");
    });
    expect(
      cycles.length,
      `${cycles.length} folder-level import cycle(s) (break each by moving the shared code down or inverting an edge):\n${report.join("\n")}`,
    ).toBe(0);
  });

  it("has a src/core that imports nothing of the project outside itself", () => {
    const core = FILES.filter((f) => f.folder === "src/core");
    if (!existsSync(join(ROOT, "src/core")) || core.length === 0) {
      expect.fail(
        "src/core does not exist yet (or has no source files). It is the target of the current refactor: a folder " +
          "src/core that imports only node: built-ins and packages, never ../ anything else of the project.",
      );
    }
    const outside = EDGES.filter((e) => e.from.folder === "src/core" && e.targetFolder !== "src/core");
    expect(
      outside.length,
      `src/core must import only node: built-ins and packages, but it imports project code outside itself:\n` +
        outside.map((e) => `  ${e.from.path}:${e.line} imports "${e.specifier}" (${e.targetFolder})`).join("\n"),
    ).toBe(0);
  });

  // The layers of docs/architecture.md, bottom first. A folder may import only from folders before it in this list
  // (and from itself); a new folder must be placed here, which is where its rank is decided.
  const LAYERS = [
    "src/core",
    "src/history",
    "src/models",
    "src/checker",
    "src/topology",
    "src/docker",
    "src/image",
    "src/db",
    "src/client",
    "src/cluster",
    "src/nemesis",
    "nemeses",
    "workloads",
    "src/rundir",
    "src/target",
    "src/metrics",
    "src/report",
    "src/runner",
    "src/compare",
    "src/scenario",
    "src/cli",
  ];

  it("places every folder in a layer and imports only downwards", () => {
    const unplaced = [...new Set(FILES.map((f) => f.folder))].filter((f) => !LAYERS.includes(f));
    expect(
      unplaced,
      `folders missing from LAYERS (place each in docs/architecture.md and here): ${unplaced.join(", ")}`,
    ).toEqual([]);
    const upward = EDGES.filter(
      (e) => e.from.folder !== e.targetFolder && LAYERS.indexOf(e.targetFolder) > LAYERS.indexOf(e.from.folder),
    );
    expect(
      upward.length,
      "imports that run up the layers:\n" +
        upward
          .map((e) => `  ${e.from.path}:${e.line} (${e.from.folder}) imports "${e.specifier}" (${e.targetFolder})`)
          .join("\n"),
    ).toBe(0);
  });

  it("keeps engine names (dragonfly, valkey) in engine folders: at most 3 files outside src/db", () => {
    const ENGINE = /\b(dragonfly|valkey)\b/i;
    const hits: string[] = [];
    for (const f of FILES) {
      if (f.path.startsWith("src/db/") || TEST_FILE.test(f.path)) continue;
      const lines = f.code.split("\n");
      const i = lines.findIndex((l) => ENGINE.test(l));
      if (i >= 0) hits.push(`${f.path}:${i + 1}: ${f.text.split("\n")[i]!.trim().slice(0, 140)}`);
    }
    expect(
      hits.length,
      `${hits.length} source files outside src/db mention an engine by name in code (comments ignored; at most 3 allowed). ` +
        `Move the engine-specific part behind src/db. First match in each:\n${hits.map((h) => `  ${h}`).join("\n")}`,
    ).toBeLessThanOrEqual(3);
  });

  it("does not dispatch on checker names in src/report, src/metrics or src/compare", () => {
    const sites = dispatchSites();
    const byLine = new Map<string, Site[]>();
    for (const s of sites) byLine.set(`${s.file}:${s.line}`, [...(byLine.get(`${s.file}:${s.line}`) ?? []), s]);
    const text = (file: string, line: number) =>
      FILES.find((f) => f.path === file)!
        .text.split("\n")
        [line - 1]!.trim()
        .slice(0, 120);
    const report = [...byLine].map(
      ([at, ss]) =>
        `  ${at}  [${ss.map((s) => `${s.kind}: ${s.match}`).join("; ")}]\n      ${text(ss[0]!.file, ss[0]!.line)}`,
    );
    expect(
      sites.length,
      `${sites.length} checker-name dispatch sites on ${byLine.size} lines (names: ${CHECKER_NAMES.join(", ")}). ` +
        `Let each checker describe its own result instead of switching on its name here:\n${report.join("\n")}`,
    ).toBe(0);
  });
});

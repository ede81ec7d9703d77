/**
 * The dependency graph between transactions and the search for its cycles. Nodes are dense indices; an edge carries
 * a mask of its kinds, and for the data edges the first fact that justified it (the checker words it).
 */

export const WW = 1;
export const WR = 2;
export const RW = 4;
export const RT = 8;

export type EdgeKind = "ww" | "wr" | "rw" | "rt";
export const KIND_OF_BIT: Record<number, EdgeKind> = { [WW]: "ww", [WR]: "wr", [RW]: "rw", [RT]: "rt" };

/** Why a data edge exists: the key and the values that show it. */
export interface Why {
  key: string;
  /** ww: the earlier value; wr and rw: unused. */
  prev?: string;
  /** ww and rw: the value appended next; wr: the value read last. */
  next?: string;
  /** wr and rw: the list the read returned. */
  read?: string[];
}

/**
 * Edges are kept flat (parallel arrays, a linked list of each node's edges) rather than as a map per node: a 100k
 * transaction history has hundreds of thousands of edges, and an object or a boxed key each made the collector the
 * bottleneck. Out-degrees are small (a handful of keys per transaction), so finding an existing edge is a short scan.
 */
export class DepGraph {
  private readonly head: Int32Array;
  private next: number[] = [];
  private from: number[] = [];
  private to: number[] = [];
  private mask: number[] = [];
  /** Per edge, the facts for its ww, wr and rw kinds (first seen), as [ww, wr, rw]. */
  private whys: Array<[Why | undefined, Why | undefined, Why | undefined] | undefined> = [];
  private csr: { offsets: Int32Array; targets: Int32Array; masks: Uint8Array } | undefined;

  constructor(readonly size: number) {
    this.head = new Int32Array(size).fill(-1);
  }

  private find(from: number, to: number): number {
    for (let e = this.head[from]!; e !== -1; e = this.next[e]!) if (this.to[e] === to) return e;
    return -1;
  }

  add(from: number, to: number, bit: number, why?: Why): void {
    if (from === to) return;
    let e = this.find(from, to);
    if (e === -1) {
      e = this.from.length;
      this.next.push(this.head[from]!);
      this.head[from] = e;
      this.from.push(from);
      this.to.push(to);
      this.mask.push(0);
      this.whys.push(undefined);
    }
    this.mask[e]! |= bit;
    if (why) {
      const slot = bit === WW ? 0 : bit === WR ? 1 : 2;
      const w = (this.whys[e] ??= [undefined, undefined, undefined]);
      w[slot] ??= why;
    }
    this.csr = undefined;
  }

  why(from: number, to: number, bit: number): Why | undefined {
    const e = this.find(from, to);
    if (e === -1) return undefined;
    return this.whys[e]?.[bit === WW ? 0 : bit === WR ? 1 : 2];
  }

  edgeCount(): number {
    let n = 0;
    for (const m of this.mask) n += popcount(m);
    return n;
  }

  /** Compact adjacency, built once the graph is complete, so the searches walk typed arrays. */
  compact(): { offsets: Int32Array; targets: Int32Array; masks: Uint8Array } {
    if (this.csr) return this.csr;
    const offsets = new Int32Array(this.size + 1);
    for (const f of this.from) offsets[f + 1]!++;
    for (let i = 0; i < this.size; i++) offsets[i + 1]! += offsets[i]!;
    const fill = offsets.slice(0, this.size);
    const targets = new Int32Array(this.from.length);
    const masks = new Uint8Array(this.from.length);
    for (let e = 0; e < this.from.length; e++) {
      const j = fill[this.from[e]!]!++;
      targets[j] = this.to[e]!;
      masks[j] = this.mask[e]!;
    }
    this.csr = { offsets, targets, masks };
    return this.csr;
  }
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/**
 * Strongly connected components of the subgraph of edges whose mask meets `allowed`, by Tarjan's algorithm without
 * recursion (a long chain of transactions would overflow the stack). Returns the components of two or more nodes.
 */
export function sccs(g: DepGraph, allowed: number): number[][] {
  const { offsets, targets, masks } = g.compact();
  const n = g.size;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const work: number[] = [];
  const edgePos = new Int32Array(n);
  const out: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    work.push(root);
    index[root] = low[root] = counter++;
    edgePos[root] = offsets[root]!;
    stack.push(root);
    onStack[root] = 1;
    while (work.length) {
      const v = work[work.length - 1]!;
      let descended = false;
      while (edgePos[v]! < offsets[v + 1]!) {
        const j = edgePos[v]!++;
        if ((masks[j]! & allowed) === 0) continue;
        const w = targets[j]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          edgePos[w] = offsets[w]!;
          stack.push(w);
          onStack[w] = 1;
          work.push(w);
          descended = true;
          break;
        }
        if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
      }
      if (descended) continue;
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low[parent] = Math.min(low[parent]!, low[v]!);
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1) out.push(comp);
      }
    }
  }
  return out;
}

/**
 * An anomaly class as a cycle shape: which edge kinds it may use, which kind must start it (every cycle of the
 * class has one, so searching from those edges' sources misses none), and when a closed walk counts.
 */
export interface CycleClass {
  name: string;
  allowed: number;
  required: number;
  accept(flags: number): boolean;
}

/** A walk's flags: a wr edge seen, a rt edge seen, and how many rw edges (0, 1, or 2 for two or more). */
const F_WR = 1;
const F_RT = 2;
const rwOf = (f: number) => f >> 2;
const withEdge = (f: number, bit: number) => {
  let g = f;
  if (bit === WR) g |= F_WR;
  if (bit === RT) g |= F_RT;
  if (bit === RW) g = (g & 3) | (Math.min(2, rwOf(g) + 1) << 2);
  return g;
};
const FLAGS = 12;

const hasWr = (f: number) => (f & F_WR) !== 0;
const hasRt = (f: number) => (f & F_RT) !== 0;

/** Elle's cycle anomalies, each also in a real-time variant that needs a real-time edge to close. */
export const CYCLE_CLASSES: readonly CycleClass[] = [
  { name: "G0", allowed: WW, required: WW, accept: () => true },
  { name: "G1c", allowed: WW | WR, required: WR, accept: hasWr },
  { name: "G-single", allowed: WW | WR | RW, required: RW, accept: (f) => rwOf(f) === 1 },
  { name: "G2", allowed: WW | WR | RW, required: RW, accept: (f) => rwOf(f) === 2 },
  { name: "G0-realtime", allowed: WW | RT, required: RT, accept: hasRt },
  { name: "G1c-realtime", allowed: WW | WR | RT, required: RT, accept: (f) => hasRt(f) && hasWr(f) },
  { name: "G-single-realtime", allowed: WW | WR | RW | RT, required: RT, accept: (f) => hasRt(f) && rwOf(f) === 1 },
  { name: "G2-realtime", allowed: WW | WR | RW | RT, required: RT, accept: (f) => hasRt(f) && rwOf(f) === 2 },
];

export interface CycleStep {
  from: number;
  to: number;
  bit: number;
}

export interface SearchLimits {
  /** Start nodes tried per component and class. */
  starts: number;
  /** Search states visited per class over the whole graph; past it the class is reported as cut short. */
  states: number;
}

export const DEFAULT_LIMITS: SearchLimits = { starts: 32, states: 2_000_000 };

export interface ClassSearch {
  cycles: CycleStep[][];
  /** Components where the budget ran out before a cycle of this class was found or ruled out. */
  cutShort: number;
}

/**
 * The shortest cycle of one class in each strongly connected component of the class's subgraph, by breadth-first
 * search over (node, flags) from the sources of the class's required edges. Bounded: at most `starts` sources per
 * component, and `states` visits per class overall, so a huge component costs a bounded search, never a blow-up.
 */
export function findCycles(g: DepGraph, cls: CycleClass, limits: SearchLimits = DEFAULT_LIMITS): ClassSearch {
  const { offsets, targets, masks } = g.compact();
  const result: ClassSearch = { cycles: [], cutShort: 0 };
  let budget = limits.states;
  const comps = sccs(g, cls.allowed);
  if (!comps.length) return result;
  const compOf = new Int32Array(g.size).fill(-1);
  comps.forEach((c, i) => {
    for (const v of c) compOf[v] = i;
  });
  // Stamped visit marks, allocated once: a search's marks are those equal to its stamp.
  const seen = new Int32Array(g.size * FLAGS);
  const parent = new Int32Array(g.size * FLAGS);
  const parentBit = new Uint8Array(g.size * FLAGS);
  let stamp = 0;

  for (let ci = 0; ci < comps.length; ci++) {
    const comp = comps[ci]!;
    const starts: number[] = [];
    for (const v of comp) {
      if (starts.length >= limits.starts) break;
      for (let j = offsets[v]!; j < offsets[v + 1]!; j++) {
        if (masks[j]! & cls.required && compOf[targets[j]!] === ci) {
          starts.push(v);
          break;
        }
      }
    }
    let best: CycleStep[] | undefined;
    let exhausted = false;
    for (const s of starts) {
      if (budget <= 0) {
        exhausted = true;
        break;
      }
      stamp++;
      let queue = [s * FLAGS];
      seen[s * FLAGS] = stamp;
      let found = -1;
      let depth = 0;
      search: while (queue.length && (!best || depth + 1 < best.length)) {
        const next: number[] = [];
        depth++;
        for (const st of queue) {
          if (--budget <= 0) {
            exhausted = true;
            break search;
          }
          const v = (st / FLAGS) | 0;
          const f = st % FLAGS;
          for (let j = offsets[v]!; j < offsets[v + 1]!; j++) {
            const w = targets[j]!;
            if (compOf[w] !== ci) continue;
            const m = masks[j]! & cls.allowed;
            for (let bit = 1; bit <= RT; bit <<= 1) {
              if ((m & bit) === 0) continue;
              const g2 = withEdge(f, bit);
              const ws = w * FLAGS + g2;
              if (w === s) {
                if (cls.accept(g2)) {
                  parent[ws] = st;
                  parentBit[ws] = bit;
                  found = ws;
                  break search;
                }
                continue;
              }
              if (seen[ws] === stamp) continue;
              seen[ws] = stamp;
              parent[ws] = st;
              parentBit[ws] = bit;
              next.push(ws);
            }
          }
        }
        queue = next;
      }
      if (found >= 0) {
        const steps: CycleStep[] = [];
        let cur = found;
        do {
          const p = parent[cur]!;
          steps.push({ from: (p / FLAGS) | 0, to: (cur / FLAGS) | 0, bit: parentBit[cur]! });
          cur = p;
        } while (cur !== s * FLAGS);
        steps.reverse();
        if (!best || steps.length < best.length) best = steps;
        if (best.length === 2) break;
      }
      if (exhausted) break;
    }
    if (best) result.cycles.push(best);
    else if (exhausted) result.cutShort++;
  }
  return result;
}

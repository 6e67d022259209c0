// Which packages of a uv.lock are installed, and under which environment marker: the OR, over
// every path from the project's own packages, of the AND of the edge markers along it (as
// `uv export` computes them), absorbed to its simplest terms.
import { compareUtf8 } from '../core/utf8-order.js';

export interface UvEdge {
  name: string;
  version: string | null;
  marker: string | null;
  extras: string[];
}

/** A package of the lock as a node of its dependency graph. */
export interface UvNode {
  name: string;
  version: string | null;
  /** The project's own folder (editable, virtual, directory, path): a root of the graph. */
  local: boolean;
  dependencies: UvEdge[];
  /** Every dev group's edges (followed from the roots only). */
  devDependencies: UvEdge[];
  optionalDependencies: Record<string, UvEdge[]>;
}

/** A marker as a set of conjoined atoms; the empty set is "always". */
export type Conj = string[];
const MAX_TERMS = 64;

/** Whether conjunction `a` implies nothing more than `b` does (a ⊆ b: b is absorbed by a). */
const subset = (a: Conj, b: Conj) => a.every((x) => b.includes(x));

/** Each reachable node's marker terms; a node absent from the map is not installed. */
export function uvMarkers<N extends UvNode>(nodes: readonly N[]): Map<N, Conj[]> {
  const byName = new Map<string, N[]>();
  for (const p of nodes) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const roots = nodes.filter((n) => n.local);
  const terms = new Map<N, Conj[]>();
  const queue: Array<[N, Conj, string[]]> = [];
  const add = (p: N, c: Conj, extras: string[]) => {
    const have = terms.get(p) ?? [];
    const absorbed = have.some((h) => subset(h, c)); // a term at least as general is there
    if (!absorbed) {
      const kept = have.filter((h) => !subset(c, h));
      kept.push(c);
      // Past this many terms the marker is not worth writing: the package is installed everywhere.
      terms.set(p, kept.length > MAX_TERMS ? [[]] : kept);
    }
    if (!absorbed || extras.length > 0) queue.push([p, c, extras]);
  };
  for (const r of roots) add(r, [], []);
  const seenExtras = new Set<string>();
  while (queue.length > 0) {
    const [p, c, extras] = queue.shift()!;
    const edges = [...p.dependencies];
    if (p.local) edges.push(...p.devDependencies);
    for (const extra of extras) {
      const key = `${p.name}@${p.version}[${extra}] ${c.join(' and ')}`;
      if (seenExtras.has(key)) continue;
      seenExtras.add(key);
      if (Object.hasOwn(p.optionalDependencies, extra)) edges.push(...p.optionalDependencies[extra]!);
    }
    for (const e of edges) {
      const candidates = (byName.get(e.name) ?? []).filter((q) => e.version === null || q.version === e.version);
      const conj = e.marker ? [...new Set([...c, e.marker])].sort(compareUtf8) : c;
      for (const q of candidates) add(q, conj, e.extras);
    }
  }
  return terms;
}

/** The marker text of a node's terms; null when one term is "always". */
export function markerText(terms: Conj[]): string | null {
  if (terms.some((t) => t.length === 0)) return null;
  const parts = terms.map((t) => (t.length === 1 ? t[0]! : t.map((a) => `(${a})`).join(' and ')));
  return parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' or ');
}

// The tree tells the architecture, and this test keeps it true: the CLI on top, one folder per
// use case under it (builder, exec), the domain folders under those, core/ at the bottom, and
// imports only downward. A change that makes a folder loop or lets a domain reach up fails here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');
const CLI = 'cli';
const USE_CASES = new Set(['builder', 'exec']);
const CORE = 'core';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!;

/** Folder-level import edges: "from -> to" with the files that make them. */
function folderEdges(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const from = folderOf(file);
      const to = folderOf(path.resolve(path.dirname(file), m[1]!));
      if (from === to || to === 'types') continue;
      const key = `${from} -> ${to}`;
      edges.set(key, [...(edges.get(key) ?? []), path.relative(SRC, file)]);
    }
  }
  return edges;
}

describe('layout', () => {
  const edges = folderEdges();
  const pairs = [...edges.keys()].map((k) => k.split(' -> ') as [string, string]);

  it('core/ imports nothing above it', () => {
    expect(pairs.filter(([from]) => from === CORE)).toEqual([]);
  });

  it('nothing imports the CLI', () => {
    expect(pairs.filter(([from, to]) => to === CLI && from !== CLI)).toEqual([]);
  });

  it('no domain folder imports a use case, and no use case imports another', () => {
    const bad = pairs.filter(([from, to]) => USE_CASES.has(to) && from !== CLI);
    expect(bad.map(([f, t]) => `${f} -> ${t} (${edges.get(`${f} -> ${t}`)!.join(', ')})`)).toEqual([]);
  });

  it('the folder graph has no loops', () => {
    const next = new Map<string, string[]>();
    for (const [from, to] of pairs) next.set(from, [...(next.get(from) ?? []), to]);
    const loops: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, trail: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        loops.push([...trail.slice(trail.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'open');
      for (const to of next.get(node) ?? []) visit(to, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of next.keys()) visit(node, []);
    expect(loops).toEqual([]);
  });

  it('no folder is named like build output or a second "manifest"', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((name) => ['build', 'dist', 'out', 'manifest', 'utils', 'lib'].includes(name))).toEqual([]);
  });

  it('every source file opens with a comment that says why it exists', () => {
    const silent = sourceFiles(SRC).filter((f) => !/^(#!.*\n)?\/\//.test(readFileSync(f, 'utf8')));
    expect(silent.map((f) => path.relative(SRC, f))).toEqual([]);
  });
});

// The tree tells the architecture, and this test keeps it true: the CLI on top, one folder per
// use case under it (builder, exec, attestation), the domain folders under those in the order
// docs/DESIGN.md lists, core/ at the bottom, and imports only downward. Imports are read with
// TypeScript's own scanner (ts.preProcessFile), so every spelling counts: either quote, `import
// type`, `export … from`, dynamic `import()`. A change that lets a folder reach up fails here,
// and so does a DESIGN.md whose level list no longer says what this test enforces.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');
const DESIGN = path.resolve(import.meta.dirname, '../../docs/DESIGN.md');

/** Top to bottom. A folder may import only folders on a lower level; use cases never each other. */
const LEVELS: string[][] = [
  ['cli'],
  ['builder', 'exec', 'attestation', 'locker'],
  ['dockerfile'],
  ['docker'],
  ['registry'],
  ['slurm'],
  ['run-record'],
  ['diff'],
  ['snapshot'],
  ['pyindex'],
  ['wheel', 'npm'],
  ['lockfile'],
  ['intake'],
  ['bundle'],
  ['project'],
  ['secrets'],
  ['core'],
];
const rank = new Map(LEVELS.flatMap((level, i) => level.map((f) => [f, i] as const)));

/** Ambient declarations for untyped packages (.d.ts only): imported by nothing, on no level. */
const DECLARATIONS = 'types';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Every relative module a file imports, by TypeScript's scanner. */
export function importsOf(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName).filter((f) => f.startsWith('./') || f.startsWith('../'));
}

/** The imports of `files` (path under src -> text) that break the levels, as "from -> to (file: module)". */
export function layerViolations(files: Array<[string, string]>): string[] {
  const out: string[] = [];
  for (const [rel, text] of files) {
    const from = rel.split('/')[0]!;
    for (const spec of importsOf(text)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
      if (target.startsWith('../')) continue; // outside src/ (package.json for the version)
      const to = target.split('/')[0]!;
      if (from === to) continue;
      const a = rank.get(from);
      const b = rank.get(to);
      if (a === undefined || b === undefined) out.push(`${from} -> ${to} (${rel}: ${spec}): ${a === undefined ? from : to} is on no level`);
      else if (a === b) out.push(`${from} -> ${to} (${rel}: ${spec}): a use case imports another`);
      else if (a > b) out.push(`${from} -> ${to} (${rel}: ${spec}): an upward import`);
    }
  }
  return out.sort();
}

const tree = (): Array<[string, string]> => sourceFiles(SRC).map((f) => [path.relative(SRC, f).split(path.sep).join('/'), readFileSync(f, 'utf8')]);

describe('layout', () => {
  it('every import goes down the levels (any quote style, type-only, re-exports, dynamic)', () => {
    expect(layerViolations(tree())).toEqual([]);
  });

  it('every folder under src/ is on a level, and every level names a folder that exists', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== DECLARATIONS).map((e) => e.name).sort();
    expect(folders).toEqual([...rank.keys()].sort());
    expect(readdirSync(path.join(SRC, DECLARATIONS)).filter((n) => !n.endsWith('.d.ts'))).toEqual([]);
  });

  it("docs/DESIGN.md's level list is this test's", () => {
    const line = /^Levels, top to bottom[^:\n]*:\s*(.+?)\.$/ms.exec(readFileSync(DESIGN, 'utf8'))?.[1];
    expect(line, 'DESIGN.md has a "Levels, top to bottom: …." paragraph').toBeDefined();
    const documented = line!.replace(/\s+/g, ' ').split(' -> ').map((level) => [...level.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!));
    expect(documented).toEqual(LEVELS);
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

/**
 * Calls whose answer follows the host's locale (Node takes ICU's default locale from LC_ALL and
 * LANG): under sk_SK, localeCompare puts "chunk" after "hidden" and toLocaleString writes 1,5. A
 * record, an order or a message must not change with the machine's locale or time zone (TZ moves
 * getHours and the other local-time accessors); a deliberate locale or zone is named
 * (Intl.DateTimeFormat('en-US', { timeZone })), and times are written in UTC (toISOString).
 */
export function localeDependentCalls(files: Array<[string, string]>): string[] {
  const out: string[] = [];
  for (const [rel, text] of files) {
    text.split('\n').forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, '');
      const found = /\.localeCompare\(|\.toLocale\w*\(|new Intl\.\w+\((?!\s*['"])|Intl\.\w+\((?!\s*['"])|\.(?:get|set)(?:FullYear|Month|Date|Day|Hours|Minutes|Seconds|Milliseconds)\(|\.getTimezoneOffset\(|new Date\([^)]*\)\.to(?:Date|Time)?String\(/.exec(code);
      if (found) out.push(`${rel}:${i + 1}: ${found[0]}`);
    });
  }
  return out;
}

describe('locale', () => {
  it("no source file orders or formats by the host's locale or zone (localeCompare, toLocale*, Intl without a named locale, local-time accessors)", () => {
    expect(localeDependentCalls(tree())).toEqual([]);
  });

  it('the rule itself: each spelling is named, a named locale and comments are not', () => {
    expect(localeDependentCalls([['a.ts', "x.sort((a, b) => a.localeCompare(b));\nn.toLocaleString();\nnew Intl.Collator();\nnew Intl.NumberFormat(undefined);\nnew Intl.DateTimeFormat('en-US', {});\n// a.localeCompare(b) in a comment\nconst h = new Date(t).getHours();\nd.getUTCHours() + d.toISOString();\nlog(new Date(t).toString())"]])).toEqual(['a.ts:1: .localeCompare(', 'a.ts:2: .toLocaleString(', 'a.ts:3: new Intl.Collator(', 'a.ts:4: new Intl.NumberFormat(', 'a.ts:7: .getHours(', 'a.ts:9: new Date(t).toString(']);
  });
});

describe('the import reader itself', () => {
  it('bug: an upward import in double quotes was not seen (the old regex read single quotes only)', () => {
    expect(layerViolations([['core/x.ts', '// why\nimport { runCli } from "../cli/main.js";\n']])).toEqual(['core -> cli (core/x.ts: ../cli/main.js): an upward import']);
  });

  it.each([
    ['type-only', "import type { CliIo } from '../cli/main.js';"],
    ['a re-export', "export { runCli } from '../cli/main.js';"],
    ['a dynamic import', "const m = await import('../cli/main.js');"],
    ['a dynamic import in backquotes', 'const m = await import(`../cli/main.js`);'],
    ['a side-effect import', "import '../cli/main.js';"],
  ])('sees %s', (_name, line) => {
    expect(layerViolations([['bundle/x.ts', `// why\n${line}\n`]])).toEqual(['bundle -> cli (bundle/x.ts: ../cli/main.js): an upward import']);
  });

  it('a use case importing another, and a folder on no level, are named', () => {
    expect(layerViolations([['exec/x.ts', "import '../builder/build.js';"], ['newfolder/y.ts', "import '../core/errors.js';"]])).toEqual([
      'exec -> builder (exec/x.ts: ../builder/build.js): a use case imports another',
      'newfolder -> core (newfolder/y.ts: ../core/errors.js): newfolder is on no level',
    ]);
  });

  it('imports within a folder, of packages, and of files outside src/ are not edges', () => {
    expect(layerViolations([['bundle/x.ts', "import './y.js';\nimport tar from 'tar';\nimport pkg from '../../package.json';"]])).toEqual([]);
  });
});

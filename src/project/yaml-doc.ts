// YAML parsing that keeps positions, so every manifest error names its line.
import { isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { ReproError } from '../core/errors.js';

export interface LocatedDoc {
  doc: Document;
  lines: LineCounter;
  file: string;
}

export function parseYamlFile(text: string, file: string): LocatedDoc {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  throwSyntaxError(doc, file);
  return { doc, lines, file };
}

/** The document's first syntax error, if any, as an E_CONFIG error naming the line and column. */
export function throwSyntaxError(doc: Document, file: string): void {
  const err = doc.errors[0];
  if (!err) return;
  const pos = err.linePos?.[0];
  throw new ReproError('E_CONFIG', `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${err.message.split('\n')[0]}`, {
    hint: 'Fix the YAML syntax at that line (indentation, a missing colon, a tab).',
    details: { file, line: pos?.line ?? null, column: pos?.col ?? null },
  });
}

/** The line of the node at `path` (or of its nearest existing parent). */
export function lineOf(located: LocatedDoc, path: readonly (string | number)[]): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = located.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return located.lines.linePos(node.range[0]).line;
  }
  return null;
}

/** The YAML core-schema type of the scalar at `path`, when it is a number. */
export function numberKind(located: LocatedDoc, path: readonly (string | number)[]): 'int' | 'float' | undefined {
  const node = located.doc.getIn(path, true);
  if (!isScalar(node) || typeof node.value !== 'number') return undefined;
  const src = (node as { source?: string }).source ?? String(node.value);
  return /^[-+]?(0|[1-9][0-9]*|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(src.trim()) ? 'int' : 'float';
}

export function configError(located: LocatedDoc, path: readonly (string | number)[], message: string, hint: string): ReproError {
  const line = lineOf(located, path);
  return new ReproError('E_CONFIG', `${located.file}${line ? `:${line}` : ''}: ${message}`, { hint, details: { file: located.file, line, path: path.join('.') } });
}

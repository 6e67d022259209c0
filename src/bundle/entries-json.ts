// Canonical JSON documents that carry one large top-level "entries" array (the bundle manifest,
// repro.lock), written and read one entry at a time. A 100,000-entry manifest is ~20 MB of JSON;
// parsed whole it is ~100 MB of objects and serialized whole another large string, which made a
// build's and a verify's peak memory grow with the number of entries. Here the document lives
// as bytes; an entry is parsed when it is asked for, and the rest of the document (the
// "skeleton", with "entries": []) is parsed on its own.
//
// The byte form is exactly canonicalJson's: two-space indent, so the top-level "entries" key
// starts the only line that reads `  "entries": [`, each entry is an object indented by four
// spaces, and no JSON string holds a raw newline. A document not in this layout is not
// decoded here (the caller parses it whole and says what is wrong with it).
import { isUtf8 } from 'node:buffer';
import { canonicalJson } from '../core/canonical-json.js';
import { TextChunks } from '../core/text-chunks.js';

const OPEN = '\n  "entries": [\n';
const EMPTY = '\n  "entries": []';
const CLOSE = '\n  ]';
const SEPARATOR = ',\n';
const INDENT = '    ';
const ELEMENT_START = `${INDENT}{\n`;
const ELEMENT_END = `\n${INDENT}}`;

/** One entry as it appears inside the document: canonical JSON, indented two levels. */
export function entryText(entry: object): string {
  return INDENT + canonicalJson(entry).slice(0, -1).replaceAll('\n', `\n${INDENT}`);
}

/**
 * The canonical bytes of `skeleton` with `entries` in its "entries" member (the skeleton's own
 * must be []), made as they are consumed: entries are serialized into 1 MiB buffers (TextChunks)
 * and each buffer is yielded once full, so neither the document nor a list of its parts is
 * ever held. Run it twice over the same entries and it yields the same bytes.
 */
export function* encodeEntriesDocument<T extends object>(skeleton: { entries: readonly never[] }, entries: Iterable<T>, format: (entry: T) => string = entryText): Generator<Buffer, void, undefined> {
  const text = canonicalJson(skeleton);
  const at = text.indexOf(EMPTY);
  if (skeleton.entries.length !== 0 || at < 0) throw new TypeError('encodeEntriesDocument: the skeleton must have a top-level "entries": [] member');
  const out = new TextChunks();
  let count = 0;
  for (const entry of entries) {
    out.put(count++ === 0 ? text.slice(0, at) + OPEN : SEPARATOR);
    out.put(format(entry));
    yield* out.full();
  }
  out.put(count === 0 ? text : CLOSE + text.slice(at + EMPTY.length));
  yield* out.take();
}

export interface EntriesDocument {
  /** The document with "entries": [] (parsed from the bytes around the entries). */
  skeleton: Record<string, unknown>;
  bytes: Buffer;
  count: number;
  /** Where the text after the entries starts in `bytes` (the skeleton's tail). */
  tailStart: number;
  /** Entry i, parsed from its bytes. */
  entry(i: number): unknown;
}

/**
 * Decodes a document in canonical layout: the skeleton must be canonical JSON, and every entry
 * must be canonical JSON of what it parses to, checked by `accept` (which throws to refuse an
 * entry). Returns null when the bytes are not in that layout, so the caller can parse them
 * whole and name the problem. Entry offsets are kept, not entries: 4 bytes each. `format`
 * must write what entryText writes for every entry it is given (a faster one for a known shape).
 */
export function decodeEntriesDocument(bytes: Buffer, accept: (entry: unknown, index: number) => void, format: (entry: object) => string = entryText): EntriesDocument | null {
  if (!isUtf8(bytes)) return null;
  const open = bytes.indexOf(OPEN);
  if (open < 0) return null;
  const starts: number[] = [];
  let p = open + OPEN.length;
  let close = -1;
  while (close < 0) {
    if (!startsWith(bytes, p, ELEMENT_START)) return null;
    const q = bytes.indexOf(ELEMENT_END, p);
    if (q < 0) return null;
    starts.push(p);
    const end = q + ELEMENT_END.length;
    if (startsWith(bytes, end, SEPARATOR)) p = end + SEPARATOR.length;
    else if (startsWith(bytes, end, CLOSE)) close = end;
    else return null;
  }
  const tailStart = close + CLOSE.length;
  let skeleton: unknown;
  const skeletonText = bytes.toString('utf8', 0, open) + EMPTY + bytes.toString('utf8', tailStart);
  try {
    skeleton = JSON.parse(skeletonText);
  } catch {
    return null;
  }
  if (typeof skeleton !== 'object' || skeleton === null || Array.isArray(skeleton)) return null;
  const entries = (skeleton as { entries?: unknown }).entries;
  if (!Array.isArray(entries) || entries.length !== 0 || canonicalJson(skeleton) !== skeletonText) return null;
  const offsets = new Uint32Array(starts.length + 1);
  offsets.set(starts);
  offsets[starts.length] = close + SEPARATOR.length; // so entry i ends where offsets[i + 1] - 2 is
  const textOf = (i: number) => bytes.toString('utf8', offsets[i]!, offsets[i + 1]! - SEPARATOR.length);
  for (let i = 0; i < starts.length; i++) {
    const text = textOf(i);
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch {
      return null;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || format(entry) !== text) return null;
    accept(entry, i);
  }
  return {
    skeleton: skeleton as Record<string, unknown>,
    bytes,
    count: starts.length,
    tailStart,
    entry: (i) => {
      if (!(i >= 0 && i < starts.length)) throw new RangeError(`entry ${i} of ${starts.length}`);
      return JSON.parse(textOf(i));
    },
  };
}

function startsWith(bytes: Buffer, at: number, s: string): boolean {
  if (at + s.length > bytes.length) return false;
  for (let i = 0; i < s.length; i++) if (bytes[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

// YAML lockfiles (pnpm-lock.yaml, yarn berry's yarn.lock, conda files) loaded with js-yaml's
// failsafe schema: every scalar a string, as these tools write versions (`1.10` stays "1.10"),
// and about ten times faster than the yaml package on a 1 MB lock, which made YAML locks the
// slowest part of a snapshot.
import { FAILSAFE_SCHEMA, load } from 'js-yaml';

export type YamlTable = Record<string, unknown>;

/** The document as plain objects, arrays and strings (an empty document is {}). */
export function loadLockYaml(text: string, file: string): YamlTable {
  if (text.trim() === '') return {};
  const doc = load(text, { schema: FAILSAFE_SCHEMA, filename: file });
  return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as YamlTable) : {};
}

/** A scalar read with the failsafe schema: a non-empty string, else null (`~`, `null`, empty). */
export function yamlString(v: unknown): string | null {
  return typeof v === 'string' && v !== '' && v !== '~' && v !== 'null' ? v : null;
}

// Reading a JSON document repro wrote: valid JSON, the expected `kind`, a schemaVersion this
// repro knows. One reader for snapshots, locks and run records, so each refuses bad input the
// same way (the code for "not ours" depends on whether it is input or configuration).
import { ReproError, type ErrorCode } from './errors.js';

export interface VersionedDocSpec {
  /** Shown in messages: a path, or a name like repro.lock. */
  source: string;
  /** The path for error details, when `source` is a name. */
  path?: string;
  kind: string;
  /** How the document is called in messages ("repro snapshot", "run record"). */
  label: string;
  version: number;
  /** E_INPUT for things passed on the command line, E_CONFIG for project files. */
  code: Extract<ErrorCode, 'E_INPUT' | 'E_CONFIG'>;
  hint: string;
}

export function parseVersionedJson<T>(text: string, spec: VersionedDocSpec): T {
  const path = spec.path ?? spec.source;
  let doc: { kind?: unknown; schemaVersion?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw new ReproError(spec.code, `${spec.source} is not valid JSON`, { hint: spec.hint, details: { path }, cause: err });
  }
  return checkVersioned<T>(doc, spec);
}

/** The kind and schemaVersion checks of parseVersionedJson, for a document already parsed. */
export function checkVersioned<T>(doc: { kind?: unknown; schemaVersion?: unknown } | null, spec: VersionedDocSpec): T {
  const path = spec.path ?? spec.source;
  if (doc === null || typeof doc !== 'object' || doc.kind !== spec.kind) {
    throw new ReproError(spec.code, `${spec.source} is not a ${spec.label}`, { hint: spec.hint, details: { path, kind: (doc as { kind?: unknown } | null)?.kind ?? null } });
  }
  if (doc.schemaVersion !== spec.version) {
    throw new ReproError('E_SCHEMA_VERSION', `${spec.source} has ${spec.label} schemaVersion ${String(doc.schemaVersion)}; this repro reads ${spec.version}`, {
      hint: `Upgrade repro to read ${spec.label}s written by a newer version.`,
      details: { path, found: doc.schemaVersion ?? null, supported: [spec.version] },
    });
  }
  return doc as T;
}

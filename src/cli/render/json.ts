// The --json documents: exactly one envelope on stdout, success or error, in canonical JSON (its
// type and version: core/self-invocation.ts, which also reads it back).
import { canonicalJson } from '../../core/canonical-json.js';
import type { ReproError } from '../../core/errors.js';
import { JSON_SCHEMA_VERSION } from '../../core/self-invocation.js';


export function renderJsonSuccess(command: string, result: unknown): string {
  return canonicalJson({ schemaVersion: JSON_SCHEMA_VERSION, command, ok: true, result });
}

export function renderJsonError(command: string, error: ReproError): string {
  return canonicalJson({ schemaVersion: JSON_SCHEMA_VERSION, command, ok: false, error: error.toJSON() });
}

// The --json documents: exactly one envelope on stdout, success or error, in canonical JSON.
import { canonicalJson } from '../../core/canonical-json.js';
import type { ReproError } from '../../core/errors.js';

export const JSON_SCHEMA_VERSION = 1;

export function renderJsonSuccess(command: string, result: unknown): string {
  return canonicalJson({ schemaVersion: JSON_SCHEMA_VERSION, command, ok: true, result });
}

export function renderJsonError(command: string, error: ReproError): string {
  return canonicalJson({ schemaVersion: JSON_SCHEMA_VERSION, command, ok: false, error: error.toJSON() });
}

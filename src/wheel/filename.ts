// A wheel's file name (the binary distribution format: {distribution}-{version}(-{build})?-
// {python}-{abi}-{platform}.whl, each tag set dot-separated) and what it says: which project and
// version the file is, and the tags an installer matches against an interpreter (tags.ts).
import { normalizeName } from '../lockfile/requirements.js';

export interface WheelName {
  file: string;
  /** The project, PEP 503-normalised. */
  project: string;
  version: string;
  build: string | null;
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
}

const WHEEL = /^([^-]+)-([^-]+)(?:-(\d[^-]*))?-([^-]+)-([^-]+)-([^-]+)\.whl$/;

/** The parts of a wheel's file name, or null when it is not one. */
export function parseWheelName(file: string): WheelName | null {
  const m = WHEEL.exec(file);
  if (!m) return null;
  return { file, project: normalizeName(m[1]!), version: m[2]!, build: m[3] ?? null, pythonTags: m[4]!.split('.'), abiTags: m[5]!.split('.'), platformTags: m[6]!.split('.') };
}

/** The name a wheel's .dist-info and .data folders carry: the distribution as the file name spells it (escaped, PEP 427). */
export function wheelDirStem(file: string): string | null {
  const m = WHEEL.exec(file);
  return m ? `${m[1]}-${m[2]}` : null;
}

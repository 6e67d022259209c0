// MLflow's python_env.yaml (the `python_env:` of an MLproject): the Python version, and the pip
// requirements of the environment MLflow makes with --env-manager virtualenv. Its build and
// runtime dependencies are requirement lines, read with the requirements reader's rules (a pin is
// `==`; MLflow writes no hashes, so every pinned package has MISSING_HASH); `-r FILE` and `-c
// FILE` name files read on their own (a requirements file beside it is found and read as one).
// The file is someone else's: a wrong shape is refused with the reason.
import { stripCredentials } from '../secrets/rules.js';
import { loadLockYaml, yamlString } from './yaml-load.js';
import { parseRequirementLine, requirementWarnings } from './requirements.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';

/** The file's three parts as MLflow reads them: the Python version, and the requirement lines of build_dependencies and dependencies (blank and comment lines dropped). */
export function pythonEnvParts(text: string, file = 'python_env.yaml'): { python: string | null; build: string[]; dependencies: string[] } {
  const doc = loadLockYaml(text, file);
  const lines = (list: unknown): string[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw new Error(`${file}: dependencies must be a list`);
    return list.map((item) => yamlString(item)?.trim() ?? '').filter((l) => l !== '' && !l.startsWith('#'));
  };
  return { python: yamlString(doc.python) ?? null, build: lines(doc.build_dependencies), dependencies: lines(doc.dependencies) };
}

export function parsePythonEnv(text: string, file = 'python_env.yaml'): ParsedLock {
  const doc = loadLockYaml(text, file);
  const lists = [doc.build_dependencies, doc.dependencies];
  if (doc.python === undefined && lists.every((l) => l === undefined)) throw new Error(`${file}: neither python: nor dependencies:, so not an MLflow python_env.yaml`);
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  const python = yamlString(doc.python);
  if (python) packages.push({ name: 'python', version: python, source: null, hashes: [] });
  for (const list of lists) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new Error(`${file}: dependencies must be a list`);
    for (const item of list) {
      const line = yamlString(item)?.trim();
      if (!line || line.startsWith('#') || /^-[rc]\s|^--(requirement|constraint)[\s=]/.test(line)) continue;
      const req = parseRequirementLine(line);
      if (!req) {
        warnings.push({ code: 'UNPARSED_LINE', message: `${JSON.stringify(line.slice(0, 120))} is not a requirement` });
        continue;
      }
      packages.push({ name: req.name, version: req.version, source: req.url ? stripCredentials(req.url) : null, hashes: req.hashes, ...(req.marker ? { platform: req.marker } : {}) });
      warnings.push(...requirementWarnings(req));
    }
  }
  return { format: 'python_env.yaml', packages, warnings };
}

export const pythonEnvReader: LockReader = { format: 'python_env.yaml', matches: (n) => n === 'python_env.yaml', read: (f, text) => parsePythonEnv(text, f) };

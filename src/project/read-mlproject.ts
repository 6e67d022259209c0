// An MLproject read as MLflow reads it: name; one of python_env, conda_env, docker_env;
// entry points whose parameters are `name: type` or `{type, default}` with types string,
// float, int, path, uri. Defaults are kept as Python's str() of the YAML value, which is what
// MLflow substitutes. Without an MLproject, MLflow's convention applies: a .py entry point runs
// with python, a .sh one with bash.
import path from 'node:path';
import { pythonStr } from './python-format.js';
import { configError, numberKind, parseYamlFile } from './yaml-doc.js';
import type { EntryPointSpec, ParamType, ParameterSpec, ProjectManifest } from './types.js';

const MLFLOW_TYPES = new Set(['string', 'float', 'int', 'path', 'uri']);

type Raw = Record<string, unknown>;

export function readMlproject(text: string, projectDir: string, file = 'MLproject'): ProjectManifest {
  const located = parseYamlFile(text, file);
  const raw = (located.doc.toJS() ?? {}) as Raw;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw configError(located, [], 'an MLproject must be a mapping', 'See the MLflow Projects documentation for the format.');
  const envKinds = (['python_env', 'conda_env', 'docker_env'] as const).filter((k) => raw[k] !== undefined);
  if (envKinds.length > 1) throw configError(located, [envKinds[1]!], `only one of python_env, conda_env and docker_env may be given (found ${envKinds.join(', ')})`, 'Keep the one that describes how the project runs.');
  const entryPoints: Record<string, EntryPointSpec> = {};
  for (const [name, ep] of Object.entries((raw.entry_points ?? {}) as Record<string, Raw>)) {
    if (typeof ep?.command !== 'string') throw configError(located, ['entry_points', name], `entry point ${name} has no command`, 'Give it a command: line.');
    const parameters: ParameterSpec[] = [];
    for (const [p, spec] of Object.entries((ep.parameters ?? {}) as Record<string, unknown>)) {
      const at = ['entry_points', name, 'parameters', p];
      const obj = (typeof spec === 'string' ? { type: spec } : (spec ?? {})) as { type?: string; default?: unknown };
      const type = obj.type ?? 'string';
      if (!MLFLOW_TYPES.has(type)) throw configError(located, at, `parameter ${p} has unknown type ${type}`, 'MLflow parameter types are string, float, int, path and uri.');
      const hasDefault = 'default' in obj && obj.default !== null && obj.default !== undefined;
      parameters.push({ name: p, type: type as ParamType, default: hasDefault ? pythonStr(obj.default, numberKind(located, [...at, 'default'])) : null, required: !hasDefault });
    }
    entryPoints[name] = { name, command: ep.command, parameters };
  }
  const kind = envKinds[0];
  const docker = kind === 'docker_env' ? (raw.docker_env as Raw) : null;
  return {
    source: 'MLproject',
    name: typeof raw.name === 'string' ? raw.name : path.basename(projectDir),
    version: '0.0.0',
    entryPoints,
    environment: { python: null, lockfile: null, node: null, systemPackages: [], baseImage: docker && typeof docker.image === 'string' ? docker.image : null },
    gpu: null,
    data: [],
    outputs: [],
    env: docker ? dockerEnvironment(docker.environment) : {},
    ...(kind ? { mlflowEnvironment: { kind, value: raw[kind] } } : {}),
  };
}

/** docker_env.environment: [["NAME", "value"], "COPIED_FROM_HOST"]; only explicit values are kept. */
function dockerEnvironment(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of Array.isArray(value) ? value : []) {
    if (Array.isArray(item) && item.length === 2) out[String(item[0])] = String(item[1]);
  }
  return out;
}


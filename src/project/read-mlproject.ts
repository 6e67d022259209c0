// An MLproject read as MLflow's load_project reads it (mlflow/projects/_project_spec.py): the
// file found by its name in any case, parsed by PyYAML rules (pyyaml.ts), refused where MLflow
// refuses the whole project (two environments, docker_env without an image, a named
// environment file that is missing, a parameter spec that is not a type name or a mapping),
// and otherwise taken as MLflow takes it: any type name (unknown ones such as `str` and `bool`
// behave as strings), defaults rendered with Python's str(), an entry point without a command
// kept (only running that entry point fails, as in MLflow).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import { PyDict, PyFloat, PyInt, pyStr, type PyValue } from './python-value.js';
import { safeLoad } from './pyyaml.js';
import type { EntryPointSpec, ParamType, ParameterSpec, ProjectManifest } from './types.js';

/** MLflow's types with a meaning; any other name is a string parameter. */
const MLFLOW_TYPES: Record<string, ParamType> = { string: 'string', float: 'float', int: 'int', path: 'path', uri: 'uri' };
const ENV_KINDS = ['python_env', 'conda_env', 'docker_env'] as const;

function refused(file: string, message: string, hint: string, details: Record<string, unknown> = {}): ReproError {
  return new ReproError('E_CONFIG', `${file}: ${message}`, { hint, details: { file, ...details } });
}

/** The directory's MLproject, found as MLflow finds it (the name in any case), or null. */
export function findMlproject(dir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const found = names.filter((n) => n.toLowerCase() === 'mlproject').sort();
  if (found.length > 1) {
    // MLflow takes whichever the directory lists first, which differs between machines.
    throw refused(found.join(', '), `the project has ${found.length} MLproject files that differ only in case`, 'Keep one: MLflow would pick one of them by directory order, which is not reproducible.', { files: found });
  }
  return found[0] ?? null;
}

const isStr = (v: PyValue | undefined): v is string => typeof v === 'string';

/** JSON for a value kept in the manifest as written (the environment section). */
export function pyToJson(v: PyValue): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof PyInt) return Number.isSafeInteger(Number(v.value)) ? Number(v.value) : v.value.toString();
  if (v instanceof PyFloat) return Number.isFinite(v.value) ? v.value : pyStr(v);
  if (Array.isArray(v)) return v.map(pyToJson);
  if (v instanceof PyDict) return Object.fromEntries(v.entries.map(([k, x]) => [pyStr(k), pyToJson(x)]));
  return pyStr(v);
}

function parameter(file: string, entry: string, name: string, spec: PyValue): ParameterSpec {
  if (isStr(spec)) return { name, ...typeOf(spec), default: null, required: true };
  if (!(spec instanceof PyDict)) {
    // MLflow calls spec.get(...) and fails with an AttributeError on any other value.
    throw refused(file, `parameter ${name} of entry point ${entry} is ${spec === null ? 'empty' : pyStr(spec)}: a parameter is a type name (alpha: float) or a mapping ({type: float, default: 0.1})`, 'MLflow cannot load this project either: give the parameter a type or a {type, default} mapping.', { entry, parameter: name });
  }
  const type = spec.has('type') ? spec.get('type')! : 'string';
  const def = spec.get('default') ?? null;
  return { name, ...typeOf(type === null ? 'None' : pyStr(type)), default: def === null ? null : pyStr(def), required: def === null };
}

function typeOf(declared: string): Pick<ParameterSpec, 'type' | 'declaredType'> {
  const type = MLFLOW_TYPES[declared];
  return type ? { type } : { type: 'string', declaredType: declared };
}

function entryPoint(file: string, name: string, spec: PyValue): EntryPointSpec {
  if (!(spec instanceof PyDict)) throw refused(file, `entry point ${name} is not a mapping`, 'Write it as a mapping with command: (and parameters:), as MLflow expects.', { entry: name });
  const params = spec.has('parameters') ? spec.get('parameters')! : new PyDict();
  if (!(params instanceof PyDict)) throw refused(file, `the parameters of entry point ${name} are not a mapping`, 'Write parameters as name: type or name: {type, default}.', { entry: name });
  const command = spec.get('command');
  return {
    name,
    command: isStr(command) ? command : null,
    parameters: params.entries.map(([k, v]) => parameter(file, name, pyStr(k), v)),
  };
}

function checkDocker(file: string, docker: PyValue): void {
  if (!(docker instanceof PyDict)) throw refused(file, 'docker_env is not a mapping', 'Write docker_env: {image: NAME}.');
  const image = docker.get('image');
  if (image === undefined || image === null || image === '' || image === false) {
    throw refused(file, 'Project configuration (MLproject file) was invalid: Docker environment specified but no image attribute found.', 'Give docker_env an image:.');
  }
  const volumes = docker.get('volumes');
  if (truthy(volumes) && !(Array.isArray(volumes) && volumes.every(isStr))) {
    throw refused(file, 'Project configuration (MLproject file) was invalid: Docker volumes must be a list of strings', 'e.g. volumes: ["/path1/:/path1"].');
  }
  const environment = docker.get('environment');
  if (truthy(environment) && !(Array.isArray(environment) && environment.every((i) => isStr(i) || Array.isArray(i)))) {
    throw refused(file, 'Project configuration (MLproject file) was invalid: environment must be a list containing either strings (to copy environment variables from host system) or lists of string pairs (to define new environment variables).', 'e.g. environment: [["NEW_VAR", "value"], "VAR_TO_COPY_FROM_HOST"].');
  }
}

/** Python truthiness of a loaded value. */
function truthy(v: PyValue | undefined): boolean {
  if (v === undefined || v === null || v === false || v === '') return false;
  if (v instanceof PyInt) return v.value !== 0n;
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyDict) return v.entries.length > 0;
  return true;
}

export function readMlproject(text: string, projectDir: string, file = 'MLproject'): ProjectManifest {
  const raw = safeLoad(text, file);
  if (!(raw instanceof PyDict)) throw refused(file, 'an MLproject must be a mapping', 'See the MLflow Projects documentation for the format.');
  const envKinds = ENV_KINDS.filter((k) => raw.has(k));
  if (envKinds.length > 1) throw refused(file, `Project cannot contain multiple environment fields: ${envKinds.join(', ')}`, 'Keep the one that describes how the project runs.', { fields: envKinds });
  const eps = raw.has('entry_points') ? raw.get('entry_points')! : new PyDict();
  if (!(eps instanceof PyDict)) throw refused(file, 'entry_points is not a mapping', 'Write entry_points: {main: {command: ...}}.');
  const entryPoints: Record<string, EntryPointSpec> = {};
  for (const [k, v] of eps.entries) entryPoints[pyStr(k)] = entryPoint(file, pyStr(k), v);

  const kind = envKinds[0];
  const value = kind ? raw.get(kind)! : null;
  if (kind === 'docker_env' && truthy(value)) checkDocker(file, value);
  if ((kind === 'python_env' || kind === 'conda_env') && truthy(value)) {
    const rel = pyStr(value);
    if (!existsSync(path.resolve(projectDir, rel))) {
      throw refused(file, `Project specified ${kind === 'python_env' ? 'python_env' : 'conda environment'} file ${rel}, but no such file was found.`, 'Add the file to the project, or remove the field.', { [kind]: rel });
    }
  }
  const docker = kind === 'docker_env' && value instanceof PyDict ? value : null;
  const name = raw.get('name');
  return {
    source: 'MLproject',
    name: isStr(name) ? name : path.basename(projectDir),
    version: '0.0.0',
    entryPoints,
    environment: { python: null, lockfile: null, node: null, systemPackages: [], baseImage: docker && isStr(docker.get('image')) ? (docker.get('image') as string) : null },
    gpu: null,
    data: [],
    outputs: [],
    env: docker ? dockerEnvironment(docker.get('environment')) : {},
    ...(kind ? { mlflowEnvironment: { kind, value: pyToJson(value) } } : {}),
  };
}

/** docker_env.environment: [["NAME", "value"], "COPIED_FROM_HOST"]; only explicit values are kept. */
function dockerEnvironment(value: PyValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of Array.isArray(value) ? value : []) {
    if (Array.isArray(item) && item.length === 2) out[pyStr(item[0]!)] = pyStr(item[1]!);
  }
  return out;
}

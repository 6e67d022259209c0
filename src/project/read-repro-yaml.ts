// repro.yaml: checked against schemas/repro.schema.json (ajv), every error reported with the
// line it is on, then resolved into a ProjectManifest.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv, ErrorObject } from 'ajv';
import { configError, numberKind, parseYamlFile, type LocatedDoc } from './yaml-doc.js';
import { outputPathProblem } from './output-path.js';
import { pythonStr } from './python-format.js';
import { PARAM_TYPES, type EntryPointSpec, type OutputSpec, type ParamType, type ParameterSpec, type ProjectManifest } from './types.js';
import { loaderVariables } from './env-rules.js';

const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas', 'repro.schema.json');

// ajv is loaded when a repro.yaml is first checked, not when this module is: loading it took
// ~25 ms of every build, exec and snapshot start-up, most of which read no repro.yaml.
const require = createRequire(import.meta.url);
let validator: ReturnType<Ajv['compile']> | undefined;
function validate(doc: unknown): ErrorObject[] {
  validator ??= new (require('ajv') as { Ajv: typeof Ajv }).Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  return validator(doc) ? [] : (validator.errors ?? []);
}

type Raw = Record<string, unknown>;

export function readReproYaml(text: string, file = 'repro.yaml'): ProjectManifest {
  const located = parseYamlFile(text, file);
  const raw = (located.doc.toJS() ?? {}) as Raw;
  checkOutputPaths(located, raw.outputs); // before the schema, whose pattern error would not say why
  checkEnvNames(located, raw.env);
  const errors = validate(raw);
  if (errors.length > 0) throw schemaError(located, errors);
  const entryPoints: Record<string, EntryPointSpec> = {};
  for (const [name, ep] of Object.entries(raw.entry_points as Record<string, Raw>)) {
    entryPoints[name] = {
      name,
      command: String(ep.command),
      parameters: Object.entries((ep.parameters ?? {}) as Record<string, unknown>).map(([p, spec]) => parameter(located, ['entry_points', name, 'parameters', p], p, spec)),
    };
  }
  const env = (raw.environment ?? {}) as Raw;
  const gpu = raw.gpu as Raw | undefined;
  const outputs = ((raw.outputs as unknown[] | undefined) ?? []).map((o) => (typeof o === 'string' ? { path: o } : (o as OutputSpec)));
  return {
    source: 'repro.yaml',
    name: String(raw.name),
    version: raw.version === undefined ? '0.0.0' : String(raw.version),
    entryPoints,
    environment: {
      python: env.python === undefined ? null : String(env.python),
      lockfile: typeof env.lockfile === 'string' ? env.lockfile : null,
      node: env.node === undefined ? null : String(env.node),
      systemPackages: (env.system_packages as string[] | undefined) ?? [],
      baseImage: typeof env.base_image === 'string' ? env.base_image : null,
    },
    gpu: gpu
      ? {
          required: gpu.required !== false,
          count: (gpu.count as number | undefined) ?? 1,
          minCuda: gpu.min_cuda === undefined ? null : String(gpu.min_cuda),
          minComputeCapability: gpu.min_compute_capability === undefined ? null : String(gpu.min_compute_capability),
        }
      : null,
    data: (raw.data as string[] | undefined) ?? [],
    outputs,
    env: Object.fromEntries(Object.entries((raw.env ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
  };
}

/** env: may not set the loader's variables (env-rules.ts). */
function checkEnvNames(located: LocatedDoc, env: unknown): void {
  if (!env || typeof env !== 'object' || Array.isArray(env)) return; // the schema names a wrong shape
  const found = loaderVariables(Object.fromEntries(Object.keys(env).map((k) => [k, ''])));
  if (found.length === 0) return;
  throw configError(located, ['env', found[0]!], `env sets ${found.join(', ')}: a loader variable loads code into every program started with it`, 'Remove it from env: put libraries where the interpreter finds them (the environment it runs in, or the image for --backend docker), not in LD_* variables.');
}

/** Each declared output must be a relative, normalized path inside the project (output-path.ts). */
function checkOutputPaths(located: LocatedDoc, outputs: unknown): void {
  if (!Array.isArray(outputs)) return;
  outputs.forEach((o, i) => {
    const p = typeof o === 'string' ? o : (o as { path?: unknown } | null)?.path;
    if (typeof p !== 'string') return; // the schema names a wrong shape
    const problem = outputPathProblem(p);
    if (problem) throw configError(located, ['outputs', i], `output ${JSON.stringify(p)} is not a safe path inside the project: ${problem}`, 'Declare outputs as relative paths inside the project, such as outputs/model.pkl.');
  });
}

function parameter(located: LocatedDoc, at: string[], name: string, spec: unknown): ParameterSpec {
  const obj = (typeof spec === 'string' ? { type: spec } : spec) as { type: ParamType; default?: unknown; choices?: unknown[]; role?: 'seed' };
  if (obj.type === 'choice' && !obj.choices) throw configError(located, at, `parameter ${name} has type choice but no choices`, 'List the allowed values: choices: [a, b].');
  const hasDefault = obj.default !== undefined && obj.default !== null;
  const out: ParameterSpec = {
    name,
    type: obj.type,
    default: hasDefault ? pythonStr(obj.default, numberKind(located, [...at, 'default'])) : null,
    required: !hasDefault,
  };
  if (obj.choices) out.choices = obj.choices.map((c) => String(c));
  if (obj.role) out.role = obj.role;
  if (out.choices && out.default !== null && !out.choices.includes(out.default)) {
    throw configError(located, [...at, 'default'], `the default of ${name} (${out.default}) is not one of its choices (${out.choices.join(', ')})`, 'Pick a default from the choices list.');
  }
  return out;
}

function schemaError(located: LocatedDoc, errors: ErrorObject[]): Error {
  const first = errors.find((e) => e.keyword !== 'oneOf') ?? errors[0]!;
  const at = first.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = at.length ? at.join('.') : '(top level)';
  let message = `${where} ${first.message ?? 'is invalid'}`;
  if (first.keyword === 'additionalProperties') message = `${where}: unknown field "${String((first.params as { additionalProperty: string }).additionalProperty)}"`;
  if (first.keyword === 'enum') message = `${where} must be one of: ${((first.params as { allowedValues: unknown[] }).allowedValues ?? PARAM_TYPES).join(', ')}`;
  const e = configError(located, at, message, 'See schemas/repro.schema.json and the repro.yaml section of the README.');
  e.details.problems = errors.map((x) => ({ path: x.instancePath, message: x.message }));
  return e;
}

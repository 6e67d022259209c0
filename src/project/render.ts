// Renders an entry point's command the way MLflow does: declared parameters substituted into
// the command template by Python's str.format after shlex.quote, undeclared ones appended as
// `--key value` in the order given (repro.yaml refuses them, naming the nearest declared name). MLflow rules (mlflow-values.ts) for an MLproject or the
// script convention; repro.yaml's typed checks for repro.yaml. A bad value is a usage error
// naming the parameter, the type and the value.
import { ReproError } from '../core/errors.js';
import { mlflowValue, usage } from './mlflow-values.js';
import { nearestName } from '../core/nearest.js';
import { PyFormatError, pyStrFormat, shlexQuote } from './python-format.js';
import type { EntryPointSpec, ParameterSpec, ProjectManifest } from './types.js';

export interface RenderOptions {
  /** 'mlflow': an MLproject or the script convention, rendered as `mlflow run` renders it; 'repro': repro.yaml's typed schema. */
  rules: 'mlflow' | 'repro';
  /**
   * MLflow rules: the directory repro was called from. A local `path` value resolves against it
   * (MLflow: os.path.abspath), must exist, and is passed absolute. null: values pass as given
   * (a Dockerfile's default CMD, rendered where no caller is).
   */
  callerDir: string | null;
}

export interface RenderedCommand {
  entryPoint: string;
  command: string;
  /** The final value of every parameter, declared ones first. */
  parameters: Record<string, string>;
  /** Local files and directories the user named in `path` values (MLflow rules), absolute: the run may read them. */
  paths: string[];
  /** What the caller should say before running (MLflow rules: each undeclared -P name, with the declared name it may misspell). */
  warnings: string[];
}

/** The rules a manifest's commands are rendered by. */
export function rulesOf(manifest: ProjectManifest | null): RenderOptions['rules'] {
  return manifest?.source === 'repro.yaml' ? 'repro' : 'mlflow';
}

/** The shell a command runs under: MLflow runs `bash -c COMMAND`; repro.yaml commands run under /bin/sh. */
export function shellOf(manifest: ProjectManifest | null): readonly [string, '-c'] {
  return rulesOf(manifest) === 'mlflow' ? ['bash', '-c'] : ['/bin/sh', '-c'];
}

export function findEntryPoint(manifest: ProjectManifest, name: string): EntryPointSpec {
  const ep = Object.prototype.hasOwnProperty.call(manifest.entryPoints, name) ? manifest.entryPoints[name] : undefined;
  if (!ep) {
    throw new ReproError('E_USAGE', `no entry point named ${JSON.stringify(name)}`, {
      hint: `Entry points: ${Object.keys(manifest.entryPoints).join(', ') || '(none)'}.`,
      details: { entry: name, available: Object.keys(manifest.entryPoints) },
    });
  }
  return ep;
}

/** repro.yaml: checks a value against its type; returns the value to substitute. */
export function checkValue(p: ParameterSpec, value: string): string {
  switch (p.type) {
    case 'int':
      if (!/^[-+]?\d+$/.test(value.trim())) throw usage(p, value, 'is not an integer');
      return value;
    case 'float':
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|infinity|nan)$/i.test(value.trim())) throw usage(p, value, 'is not a number');
      return value;
    case 'bool':
      if (!/^(true|false|1|0|yes|no)$/i.test(value)) throw usage(p, value, 'is not a boolean (true/false)');
      return value;
    case 'choice':
      if (!p.choices?.includes(value)) throw usage(p, value, 'is not one of the choices');
      return value;
    case 'uri':
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) throw usage(p, value, 'is not a URI (scheme:...)');
      return value;
    default:
      return value;
  }
}

/** The command with its fields filled in by Python's str.format (python-format.ts). */
export function formatCommand(template: string, values: Record<string, string>, entry = 'main'): string {
  try {
    return pyStrFormat(template, values);
  } catch (err) {
    if (!(err instanceof PyFormatError)) throw err;
    throw new ReproError('E_CONFIG', `entry point ${entry}: the command cannot be rendered: ${err.pythonType}: ${err.message}`, {
      hint: err.pythonType === 'KeyError' ? 'Declare the parameter, or write a literal brace as {{ or }}.' : "Python's str.format refuses this command too (mlflow run fails the same way): fix its {fields}.",
      details: { entry, template, pythonError: err.pythonType, reason: err.message },
    });
  }
}

export function renderCommand(ep: EntryPointSpec, given: ReadonlyArray<[string, string]>, options: RenderOptions): RenderedCommand {
  const supplied = new Map<string, string>();
  for (const [key, value] of given) {
    // MLflow's -P parser refuses a repeated name (click.BadParameter); repro does for both manifests.
    if (supplied.has(key)) throw new ReproError('E_USAGE', `Repeated parameter: '${key}'`, { hint: `Pass -P ${key}=... once.`, details: { entry: ep.name, parameter: key } });
    supplied.set(key, value);
  }
  const missing = ep.parameters.filter((p) => p.required && !supplied.has(p.name)).map((p) => p.name);
  if (missing.length > 0) {
    throw new ReproError('E_USAGE', `no value given for missing parameters: ${missing.map((m) => `'${m}'`).join(', ')}`, {
      hint: missing.map((m) => `-P ${m}=...`).join(' '),
      details: { entry: ep.name, missing },
    });
  }
  if (typeof ep.command !== 'string') {
    throw new ReproError('E_CONFIG', `entry point ${ep.name} has no command`, { hint: 'Give it a command: line (mlflow run cannot run it either).', details: { entry: ep.name } });
  }
  const final: Record<string, string> = {};
  const quoted: Record<string, string> = {};
  const paths: string[] = [];
  for (const p of ep.parameters) {
    const user = supplied.get(p.name);
    let value: string;
    if (options.rules === 'mlflow') {
      const computed = mlflowValue(p, user ?? p.default!, user !== undefined, options.callerDir);
      value = computed.value;
      // Only what the user named is opened to the run; a bundle's default never is.
      if (computed.localPath !== null && user !== undefined) paths.push(computed.localPath);
    } else {
      value = checkValue(p, user ?? p.default!);
    }
    final[p.name] = value;
    quoted[p.name] = shlexQuote(value);
  }
  const extra: string[] = [];
  const warnings: string[] = [];
  const declared = ep.parameters.map((p) => p.name);
  for (const [key, value] of supplied) {
    if (Object.prototype.hasOwnProperty.call(final, key)) continue;
    const near = nearestName(key, declared);
    // repro.yaml types every parameter: an undeclared name is a typo or a mistake, refused before
    // anything runs (a misspelt -P alhpa=0.3 would otherwise run with the default alpha).
    if (options.rules === 'repro') {
      throw new ReproError('E_USAGE', `entry point ${ep.name} has no parameter ${JSON.stringify(key)}${near ? `; did you mean ${near}?` : ''}`, {
        hint: near ? `-P ${near}=${value}` : `Entry point ${ep.name} declares: ${declared.join(', ') || '(none)'}. Declare the parameter in repro.yaml to pass it.`,
        details: { entry: ep.name, parameter: key, declared, ...(near ? { suggestion: near } : {}) },
      });
    }
    // The key reaches the shell as written (--key), so it must be a plain name. (MLflow puts it
    // there unquoted: a deliberate difference, see the README.)
    if (!UNDECLARED_KEY.test(key)) {
      throw new ReproError('E_USAGE', `-P ${JSON.stringify(key)}: an undeclared parameter's name must be a plain name ([A-Za-z_][A-Za-z0-9_.-]*)`, {
        hint: `Entry point ${ep.name} declares: ${ep.parameters.map((p) => p.name).join(', ') || '(none)'}. Undeclared parameters are passed on as --name value.`,
        details: { entry: ep.name, key },
      });
    }
    final[key] = value;
    extra.push(`--${key} ${shlexQuote(value)}`);
    // MLflow appends it as --key value; so does repro for an MLproject, but not silently.
    warnings.push(`-P ${key} is not declared by entry point ${ep.name}: passed on as --${key}, as mlflow run does${near ? `; did you mean ${near}?` : ''}`);
  }
  return { entryPoint: ep.name, command: [formatCommand(ep.command, quoted, ep.name), ...extra].join(' '), parameters: final, paths, warnings };
}

const UNDECLARED_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** `-P key=value` strings into ordered pairs (split at the first `=`, as MLflow's parser does). */
export function parseParamFlags(flags: readonly string[]): Array<[string, string]> {
  return flags.map((f) => {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new ReproError('E_USAGE', `-P expects key=value, got ${JSON.stringify(f)}`, { hint: 'e.g. -P alpha=0.5', details: { value: f } });
    return [f.slice(0, eq), f.slice(eq + 1)];
  });
}

// Renders an entry point's command from typed, validated parameters, the way MLflow does:
// declared parameters substituted into the command template (str.format semantics) after
// shlex.quote, undeclared ones appended as `--key value`, in the order given. Values are
// checked against their declared types first; a bad value is a usage error naming the
// parameter, the type and the value.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import { shlexQuote } from './python-format.js';
import type { EntryPointSpec, ParameterSpec, ProjectManifest } from './types.js';

export interface RenderOptions {
  /** The directory the command runs in: `path` parameters resolve against it (MLflow: abspath). */
  workDir: string;
  /** MLflow makes local `path` values absolute and requires them to exist; repro.yaml keeps them relative. */
  mlflowPaths: boolean;
}

export interface RenderedCommand {
  entryPoint: string;
  command: string;
  /** The final value of every parameter, declared ones first. */
  parameters: Record<string, string>;
}

export function findEntryPoint(manifest: ProjectManifest, name: string): EntryPointSpec {
  const ep = manifest.entryPoints[name];
  if (!ep) {
    throw new ReproError('E_USAGE', `no entry point named ${JSON.stringify(name)}`, {
      hint: `Entry points: ${Object.keys(manifest.entryPoints).join(', ') || '(none)'}.`,
      details: { entry: name, available: Object.keys(manifest.entryPoints) },
    });
  }
  return ep;
}

function usage(p: ParameterSpec, value: string, why: string): ReproError {
  return new ReproError('E_USAGE', `parameter ${p.name} (${p.type}) ${why}: ${JSON.stringify(value)}`, {
    hint: p.choices ? `Use one of: ${p.choices.join(', ')}.` : `Pass -P ${p.name}=<${p.type}>.`,
    details: { parameter: p.name, type: p.type, value },
  });
}

/** Checks a value against its type; returns the value to substitute. */
export function checkValue(p: ParameterSpec, value: string, options: RenderOptions): string {
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
    case 'path': {
      if (!options.mlflowPaths || /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) return value;
      const abs = path.resolve(options.workDir, value);
      if (!existsSync(abs)) throw usage(p, value, 'names no file or directory');
      return abs;
    }
    default:
      return value;
  }
}

/** Python's str.format for `{name}` fields and `{{`/`}}` escapes. */
export function formatCommand(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, field: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const key = field!.split(/[!:]/)[0]!;
    if (!(key in values)) {
      throw new ReproError('E_CONFIG', `the command refers to {${field}}, which is not a parameter of this entry point`, {
        hint: 'Declare the parameter, or write a literal brace as {{ or }}.',
        details: { field, template },
      });
    }
    return values[key]!;
  });
}

export function renderCommand(ep: EntryPointSpec, given: ReadonlyArray<[string, string]>, options: RenderOptions): RenderedCommand {
  const supplied = new Map(given);
  const missing = ep.parameters.filter((p) => p.required && !supplied.has(p.name)).map((p) => p.name);
  if (missing.length > 0) {
    throw new ReproError('E_USAGE', `no value given for missing parameters: ${missing.map((m) => `'${m}'`).join(', ')}`, {
      hint: missing.map((m) => `-P ${m}=...`).join(' '),
      details: { entry: ep.name, missing },
    });
  }
  const final: Record<string, string> = {};
  const quoted: Record<string, string> = {};
  for (const p of ep.parameters) {
    const value = checkValue(p, supplied.get(p.name) ?? p.default!, options);
    final[p.name] = value;
    quoted[p.name] = shlexQuote(value);
  }
  const extra: string[] = [];
  for (const [key, value] of given) {
    if (key in final) continue;
    // The key reaches the shell as written (--key), so it must be a plain name.
    if (!UNDECLARED_KEY.test(key)) {
      throw new ReproError('E_USAGE', `-P ${JSON.stringify(key)}: an undeclared parameter's name must be a plain name ([A-Za-z_][A-Za-z0-9_.-]*)`, {
        hint: `Entry point ${ep.name} declares: ${ep.parameters.map((p) => p.name).join(', ') || '(none)'}. Undeclared parameters are passed on as --name value.`,
        details: { entry: ep.name, key },
      });
    }
    final[key] = value;
    extra.push(`--${key} ${shlexQuote(value)}`);
  }
  return { entryPoint: ep.name, command: [formatCommand(ep.command, quoted), ...extra].join(' '), parameters: final };
}

const UNDECLARED_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** `-P key=value` strings into ordered pairs. */
export function parseParamFlags(flags: readonly string[]): Array<[string, string]> {
  return flags.map((f) => {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new ReproError('E_USAGE', `-P expects key=value, got ${JSON.stringify(f)}`, { hint: 'e.g. -P alpha=0.5', details: { value: f } });
    return [f.slice(0, eq), f.slice(eq + 1)];
  });
}

// Generates the pinned Dockerfile of a project from templates/: byte-for-byte a function of the
// manifest, the pinned base image, the install lines made from the lock (install-lock.ts) and
// SOURCE_DATE_EPOCH. Anything that would make the image depend on the day it is built (an
// unpinned system package) is refused here, with a hint, rather than written.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReproError } from '../core/errors.js';
import { reproVersion } from '../core/runtime.js';
import { findEntryPoint, renderCommand, rulesOf, shellOf } from '../project/render.js';
import type { ProjectManifest } from '../project/types.js';
import { basicEpochTime } from '../core/time.js';
import { PINNED_IMAGE } from '../core/digest.js';

const TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates');

export type DockerfileKind = 'python' | 'python-cuda' | 'node';

export interface DockerfileInput {
  name: string;
  version: string;
  kind: DockerfileKind;
  /** name:tag@sha256:... */
  baseImage: string;
  sourceDateEpoch: number;
  manifest: ProjectManifest | null;
  /** The install lines (install-lock.ts): from the project's own lock, hashed; '' installs nothing. */
  install: string;
  cudaNote?: string;
}

function template(kind: DockerfileKind): string {
  return readFileSync(path.join(TEMPLATES, `Dockerfile.${kind}`), 'utf8');
}

/** A value as Dockerfile ENV writes it: bare when safe, else double-quoted with escapes. */
function envValue(v: string): string {
  return /^[A-Za-z0-9_./:,+=@-]+$/.test(v) ? v : `"${v.replace(/(["\\$`])/g, '\\$1')}"`;
}

function aptInstall(packages: readonly string[]): string {
  if (packages.length === 0) return '';
  const loose = packages.filter((p) => !p.includes('='));
  if (loose.length) {
    throw new ReproError('E_CONFIG', `system packages without a version: ${loose.join(', ')}`, {
      hint: 'Pin each as name=version in environment.system_packages (apt-cache policy NAME shows the version).',
      details: { packages: loose },
    });
  }
  return `RUN apt-get update \\\n    && apt-get install -y --no-install-recommends ${[...packages].sort().join(' ')} \\\n    && rm -rf /var/lib/apt/lists/*\n`;
}

/** Debian bases can have their apt sources frozen to snapshot.debian.org at SOURCE_DATE_EPOCH. */
function aptSources(baseImage: string, packages: readonly string[], epoch: number): string {
  if (packages.length === 0) return '';
  const codename = /(?:^|[/:-])(bookworm|bullseye|trixie)(?:[-@:]|$)/.exec(baseImage)?.[1];
  if (!codename) return '';
  return `RUN echo 'deb [check-valid-until=no] http://snapshot.debian.org/archive/debian/${basicEpochTime(epoch)}/ ${codename} main' > /etc/apt/sources.list \\\n    && rm -f /etc/apt/sources.list.d/*\n`;
}

/** The ENTRYPOINT arguments (the manifest's shell) and, when the default entry point renders with defaults, its CMD. */
function defaultCommand(manifest: ProjectManifest | null): string {
  const entrypoint = JSON.stringify(shellOf(manifest)).replaceAll(',', ', ');
  if (!manifest || Object.keys(manifest.entryPoints).length === 0) return entrypoint;
  const ep = manifest.entryPoints.main ?? Object.values(manifest.entryPoints)[0]!;
  try {
    const rendered = renderCommand(findEntryPoint(manifest, ep.name), [], { rules: rulesOf(manifest), callerDir: null });
    return `${entrypoint}\nCMD ${JSON.stringify([rendered.command])}`;
  } catch {
    return `${entrypoint}\n# The ${ep.name} entry point has required parameters: pass the command to docker run.`;
  }
}

export function generateDockerfile(input: DockerfileInput): string {
  if (!PINNED_IMAGE.test(input.baseImage)) {
    throw new ReproError('E_INTERNAL', `generateDockerfile needs a pinned base image, got ${input.baseImage}`);
  }
  const packages = input.manifest?.environment.systemPackages ?? [];
  const env = Object.entries(input.manifest?.env ?? {})
    .filter(([k]) => !['PYTHONHASHSEED', 'SOURCE_DATE_EPOCH'].includes(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => ` \\\n    ${k}=${envValue(v)}`)
    .join('');
  const values: Record<string, string> = {
    reproVersion: reproVersion(),
    name: input.name,
    version: input.version,
    baseImage: input.baseImage,
    sourceDateEpoch: String(input.sourceDateEpoch),
    extraEnv: env,
    aptSources: aptSources(input.baseImage, packages, input.sourceDateEpoch),
    aptInstall: aptInstall(packages),
    install: input.install,
    entrypoint: defaultCommand(input.manifest),
    cudaNote: input.cudaNote ?? '',
  };
  return template(input.kind).replace(/\{\{(\w+)\}\}/g, (_m, key: string) => values[key] ?? '');
}

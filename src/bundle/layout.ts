// Every name repro itself gives a bundle or puts at a bundle's root, in one place: build, push,
// pull, exec's records and attest all name a bundle through bundleFileName. A leaf module (it
// needs only the codec table): exec's cached path imports it without loading the builder.
import { EXTENSION, type Codec } from './codecs.js';

/** The bundle manifest: always the first entry, listing every other entry with its sha256. */
export const MANIFEST_PATH = 'repro.bundle.json';

/** The directory every project file sits under in a bundle. */
export const PROJECT_PREFIX = 'project';

/** The Dockerfile `repro build --image` builds with (present when the base image is pinned). */
export const DOCKERFILE_PATH = 'repro.Dockerfile';

/** The reference run a bundle built with `--with-run` carries; exec compares its outputs with it. */
export const REFERENCE_RUN_PATH = 'repro.run.json';

/**
 * The same name at a project's root, beside repro.lock: `build --with-run` keeps the reference
 * run there, so later builds (CI's included) carry it with no run directory at hand. Never a
 * project entry (intake/junk.ts): it goes to the bundle's root.
 */
export const KEPT_REFERENCE_RUN = REFERENCE_RUN_PATH;

/** The hashed requirements the Dockerfile installs, exported from a uv, poetry or Pipfile lock. */
export const EXPORTED_REQUIREMENTS = 'repro.requirements.txt';
/** Packages pinned to a git commit, installed after the hashed ones (pip cannot hash them). */
export const EXPORTED_VCS_REQUIREMENTS = 'repro.requirements-vcs.txt';

/** Where `build --vendor` carries the wheels of the project's hashed lock: exec installs its locked environment from them, offline. */
export const VENDOR_PYTHON_DIR = 'vendor/python';
/** Where `build --vendor --allow-build` carries the wheels that build the lock's sdists (not in the lock: their hashes recorded when fetched, trust on first use). */
export const VENDOR_PYTHON_BUILD_DIR = 'vendor/python-build';
/** What `build --vendor --allow-build` recorded of each sdist: its build backend, its build requirements and the wheels resolved for them, with their sha256. */
export const VENDOR_BUILD_RECORD = 'vendor/python-build.json';
/** Where `build --vendor` carries the npm tarballs of the project's package-lock.json: exec installs node_modules from them, offline. */
export const VENDOR_NODE_DIR = 'vendor/node';
/** The hashes `build --vendor --record-hashes` recorded (trust on first use) for a project whose lock has none: exec and the image install from it. */
export const VENDOR_RECORDED_LOCK = 'vendor/requirements.lock.txt';

/** Where `repro snapshot` writes in a project, so where a bundle carries the snapshot. */
export const SNAPSHOT_FILE = 'repro.snapshot.json';
/** The snapshot's path inside a bundle. */
export const BUNDLED_SNAPSHOT_PATH = `${PROJECT_PREFIX}/${SNAPSHOT_FILE}`;

/** A file-name-safe form: `@scope/My Pkg` becomes `scope-my-pkg`; nothing left gives `project`. */
export function slugName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/^@/, '')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return slug === '' ? 'project' : slug;
}

/**
 * `<name>-<version>` as a file name: what a bundle and every document about it are named after.
 * The name and version may come from a hostile manifest (pull, attest): the slug keeps the result
 * one path component of safe characters.
 */
export function bundleBaseName(f: { name: string; version: string }): string {
  return `${slugName(f.name)}-${slugName(f.version)}`;
}

/** The bundle's canonical file name: `repro build` writes it, the OCI title and attestations name it. */
export function bundleFileName(f: { name: string; version: string; codec: Codec }): string {
  return `${bundleBaseName(f)}${EXTENSION[f.codec]}`;
}

// Names of every entry repro itself puts at a bundle's root, in one place. A leaf module:
// exec's cached path imports it without loading the builder.

/** The bundle manifest: always the first entry, listing every other entry with its sha256. */
export const MANIFEST_PATH = 'repro.bundle.json';

/** The directory every project file sits under in a bundle. */
export const PROJECT_PREFIX = 'project';

/** The Dockerfile `repro build --image` builds with (present when the base image is pinned). */
export const DOCKERFILE_PATH = 'repro.Dockerfile';

/** The reference run a bundle built with `--with-run` carries; exec compares its outputs with it. */
export const REFERENCE_RUN_PATH = 'repro.run.json';

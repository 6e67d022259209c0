// Names of the entries repro itself puts at a bundle's root, beside project/. A leaf module:
// exec's cached path imports it without loading the builder.

/** The directory every project file sits under in a bundle. */
export const PROJECT_PREFIX = 'project';

/** The Dockerfile `repro build --image` builds with (present when the base image is pinned). */
export const DOCKERFILE_PATH = 'repro.Dockerfile';

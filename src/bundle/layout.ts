// Names of the entries repro itself puts at a bundle's root, beside project/.

/** The Dockerfile `repro build --image` builds with (present when the base image is pinned). */
export const DOCKERFILE_PATH = 'repro.Dockerfile';

// The Docker test environment made by scripts/test-setup.sh: a running engine and a base image
// pinned by the digest a 127.0.0.1 registry gave it. Outside CI, a machine without it skips the
// Docker tests with the reason; under CI its absence is a failure (see dockerBaseImage()).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

const FILE = path.join(REPO_ROOT, '.cache', 'docker-base-image');

export const DOCKER_BASE_IMAGE: string | null = process.env.REPRO_TEST_BASE_IMAGE ?? (existsSync(FILE) ? readFileSync(FILE, 'utf8').trim() || null : null);

export const DOCKER_REASON = 'no Docker test environment (scripts/test-setup.sh needs root, dockerd and debootstrap)';

/** Under CI the Docker tests must run: a missing environment fails instead of skipping. */
export const SKIP_DOCKER = DOCKER_BASE_IMAGE === null && process.env.CI !== 'true';

/** The base image with Node and npm (scripts/docker-node-image.sh), for Node projects' images; null without the Docker test environment. */
export const DOCKER_NODE_IMAGE: string | null = existsSync(path.join(REPO_ROOT, '.cache', 'docker-node-image')) ? readFileSync(path.join(REPO_ROOT, '.cache', 'docker-node-image'), 'utf8').trim() || null : null;
export const SKIP_DOCKER_NODE = DOCKER_NODE_IMAGE === null && process.env.CI !== 'true';

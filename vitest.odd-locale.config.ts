// The odd-locale pass (npm run test:odd-locale: LC_ALL=sk_SK.UTF-8, TZ=Pacific/Chatham) runs the
// tests that the host's locale and time zone can reach, not the whole suite a second time (which
// doubled CI to ~60 minutes). Where locale and zone reach:
// - repro's own JavaScript: tests/unit/architecture.test.ts forbids every call that follows them
//   in src/ (localeCompare, toLocale*, Intl without a named locale, local-time accessors), and
//   every unit test runs here too;
// - child processes that inherit them: git and the interpreter probes (run under C or C.UTF-8),
//   snapshot's and exec's recorded environment, the drift check, build --verify's and exec
//   --verify's variations (which must pick a locale and zone other than the host's), entry points'
//   outputs and their comparison, the CLI's messages: those tests stay in.
// Left out below: files whose every assertion is about bytes, containment, failure handling or
// the network, none of which a locale or zone changes. A file listed here that starts to test
// locale or time is named by tests/unit/odd-locale-config.test.ts.
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

/** Test files the odd-locale pass skips, each with why locale and time zone cannot change what it checks. */
export const LOCALE_BLIND: Readonly<Record<string, string>> = {
  'tests/e2e/kill.test.ts': 'SIGKILL at random moments: atomic writes and sweeps of dead temps',
  'tests/e2e/disk-full.test.ts': 'ENOSPC mid-write: nothing partial left behind',
  'tests/e2e/concurrency.test.ts': 'concurrent builds and extractions into one cache',
  'tests/e2e/docker-faults.test.ts': 'a Docker engine that fails, hangs or dies mid-run',
  'tests/e2e/docker-engine-stop.test.ts': 'the Docker engine stopped under a run',
  'tests/e2e/docker-ssh.test.ts': 'DOCKER_HOST=ssh:// transport',
  'tests/e2e/vendor.test.ts': 'build --vendor: wheels fetched over HTTP and checked by sha256',
  'tests/e2e/locked-env.test.ts': 'the locked environment made from wheels (its sandbox runs under C.UTF-8) and its cache checks',
  'tests/e2e/allow-build.test.ts': 'sdists built in the sandbox under C.UTF-8 with no network',
  'tests/e2e/sklearn-offline.test.ts': 'an offline rerun from vendored wheels: no network reached',
  'tests/e2e/lint-corpus.test.ts': "the determinism corpus's ground truth (its locale and zone causes are exec --verify's variations, which tests/e2e/verify-run.test.ts runs in this pass)",
  'tests/integration/security/exec-hostile.test.ts': 'containment: sockets, mounts, devices, limits, escapes',
  'tests/integration/security/hostile-bundles.test.ts': 'crafted tar and zstd bytes refused',
  'tests/integration/security/mutation.property.test.ts': 'random byte mutations of bundles refused',
  'tests/integration/security/hostile-wheel.test.ts': 'crafted wheels refused',
  'tests/integration/security/attestation-hostile.test.ts': 'forged attestations refused',
  'tests/integration/bundle/verify.test.ts': "a bundle's bytes checked against its digests",
  'tests/integration/wheel/install.test.ts': 'wheels unpacked and linked, checked against RECORD',
  'tests/integration/project/mlflow-compat.test.ts': "MLproject files read as MLflow reads them (YAML and parameters, compared with PyYAML's reading)",
  'tests/integration/registry/push-pull.test.ts': 'OCI push and pull over HTTP',
  'tests/integration/registry/faults.test.ts': 'a registry that fails mid-transfer',
  'tests/integration/registry/auth.test.ts': 'registry tokens and credentials',
  'tests/integration/registry/attest.test.ts': 'attestations pushed as OCI referrers',
  'tests/integration/docker/lock-install.test.ts': 'locked installs inside an image build',
  'tests/integration/docker/image.test.ts': "the pinned image's build",
  'tests/integration/slurm/slurm.test.ts': "jobs through a real slurmctld: Slurm's states are fixed words (the CLI's Slurm path stays in through tests/e2e/slurm-cli.test.ts)",
};

export default mergeConfig(
  base,
  defineConfig({
    test: { exclude: [...configDefaults.exclude, ...Object.keys(LOCALE_BLIND)] },
  }),
);

// Every annotation and label key repro writes on what it puts in a registry or the Docker
// engine, named once: the OCI image-spec's own keys, and repro's `io.repro.*` keys that readers
// (pull, repro runs, the engine's cleanup) look up again.

/** OCI image-spec pre-defined annotation keys. */
export const OCI_CREATED = 'org.opencontainers.image.created';
export const OCI_TITLE = 'org.opencontainers.image.title';
export const OCI_VERSION = 'org.opencontainers.image.version';

/** The bundle an artifact or image is: its name, version and content digest. */
export const BUNDLE_NAME = 'io.repro.bundle.name';
export const BUNDLE_VERSION = 'io.repro.bundle.version';
export const BUNDLE_CONTENT_DIGEST = 'io.repro.bundle.content-digest';
/** The Docker label on a bundle's image and its run containers (the bundle's content digest). */
export const BUNDLE_DIGEST_LABEL = 'io.repro.bundle.digest';

/** A run record attached as a referrer (the ledger). */
export const RUN_ID = 'io.repro.run.id';
export const RUN_BACKEND = 'io.repro.run.backend';
export const RUN_EXIT_CODE = 'io.repro.run.exit-code';
export const RUN_MACHINE = 'io.repro.run.machine';
export const RUN_REPRODUCED = 'io.repro.run.reproduced';
/** The Docker label on a run container: which run it is. */
export const RUN_LABEL = 'io.repro.run';
/** The Docker label on everything repro starts, so a cleanup finds only its own. */
export const OWNER_LABEL = 'io.repro.owner';

/** An attestation attached as a referrer: what it is (provenance, sbom, …) and in which form. */
export const ATTESTATION_KIND = 'io.repro.attestation.kind';
export const ATTESTATION_FORM = 'io.repro.attestation.form';

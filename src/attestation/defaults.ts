// Sigstore's default instances, in a leaf module: --help shows them and every command starts
// without loading the Sigstore libraries.

// @sigstore/sign's DEFAULT_FULCIO_URL and DEFAULT_REKOR_URL (a test pins them to the library's).
export const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';


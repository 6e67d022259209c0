// The signing flags' defaults are written out so --help need not load Sigstore's libraries:
// they must stay the library's own.
import { expect, it } from 'vitest';
import { DEFAULT_FULCIO_URL as FULCIO, DEFAULT_REKOR_URL as REKOR } from '@sigstore/sign';
import { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL } from '../../../src/attestation/defaults.js';

it('the default Fulcio and Rekor are @sigstore/sign\'s', () => {
  expect(DEFAULT_FULCIO_URL).toBe(FULCIO);
  expect(DEFAULT_REKOR_URL).toBe(REKOR);
});

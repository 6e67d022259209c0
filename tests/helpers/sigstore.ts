// Sigstore's published mock services (@sigstore/mock: a Fulcio CA with its CT log, and a Rekor
// log) served over real HTTP on 127.0.0.1, so `repro attest --keyless --fulcio-url … --rekor-url …`
// talks to them exactly as it would to the public-good instance; plus the trusted root that
// names their keys, for `repro verify --trusted-root`, and an OIDC token with chosen claims.
import { createHash, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, rekorHandler } from '@sigstore/mock';

export interface MockSigstore {
  url: string;
  trustedRoot: Record<string, unknown>;
  /** Requests served, by path: proof that signing went through the services. */
  served: Record<string, number>;
  close(): Promise<void>;
}

const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const b64 = (b: ArrayBufferView | Buffer) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const START = '2020-01-01T00:00:00Z';

export async function startMockSigstore(): Promise<MockSigstore> {
  const ctlog = await initializeCTLog(keyPair());
  const ca = await initializeCA(keyPair(), ctlog);
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tlog = await initializeTLog(url, keyPair());
  const handlers = [fulcioHandler(ca), rekorHandler(tlog)];
  const served: Record<string, number> = {};
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const handler = handlers.find((h) => req.method === 'POST' && req.url === h.path);
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      served[handler.path] = (served[handler.path] ?? 0) + 1;
      handler.fn(Buffer.concat(chunks).toString('utf8')).then(
        (r) => res.writeHead(r.statusCode, { 'Content-Type': r.contentType ?? 'text/plain' }).end(typeof r.response === 'string' ? r.response : Buffer.from(r.response.buffer, r.response.byteOffset, r.response.byteLength)),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
  });
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: url, hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: START } }, logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') } }],
    certificateAuthorities: [{ subject: { organization: 'sigstore.mock', commonName: 'sigstore' }, uri: url, certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] }, validFor: { start: START } }],
    ctlogs: [{ baseUrl: url, hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: START } }, logId: { keyId: b64(ctlog.logID) } }],
    timestampAuthorities: [],
  };
  return { url, trustedRoot, served, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** An unsigned JWT with these claims: the mock Fulcio reads the claims, as the real one does after checking the issuer's signature. */
export function oidcToken(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ aud: 'sigstore', iat: now, exp: now + 600, ...claims })}.`;
}

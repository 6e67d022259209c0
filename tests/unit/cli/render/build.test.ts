import { describe, expect, it } from 'vitest';
import type { BuildResult } from '../../../../src/builder/build.js';
import { renderBuild } from '../../../../src/cli/render/build.js';

const result = (zstd: string, zstdEngine: 'native' | 'wasm') =>
  ({
    bundle: '/w/out/p-1.0.0.repro.tar.zst', name: 'p', version: '1.0.0', contentDigest: 'sha256:c', fileDigest: 'sha256:f', integrity: 'sha512-x',
    entries: 3, files: 2, contentBytes: 10, tarSize: 4096, fileSize: 300, compression: { codec: 'zstd', level: 3, library: 'zstd 1.5.7' },
    lock: { path: '/w/repro.lock', status: 'written' }, dockerfile: { included: false, baseImage: null, reason: 'no base image' },
    credentialsRemoved: [], namesNormalized: [], durationMs: 5, builder: { node: '22.15.0', zlib: '1.3', zstd, zstdEngine },
  }) as unknown as BuildResult;

describe('renderBuild', () => {
  it('says when the frames came from the slower WebAssembly libzstd, and why', () => {
    const text = renderBuild(result('1.5.6', 'wasm'), '/w');
    expect(text).toContain('note: compressed with repro\'s pinned WebAssembly libzstd 1.5.7, because this Node.js bundles libzstd 1.5.6');
  });

  it('says nothing of the codec when the runtime\'s own libzstd made the frames', () => {
    expect(renderBuild(result('1.5.7', 'native'), '/w')).not.toContain('WebAssembly');
  });
});

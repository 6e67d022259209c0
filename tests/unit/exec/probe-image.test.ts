// The drift check's probe of a bundle's image: the image is the bundle's, so what its Python
// prints is bounded; an image that floods stdout is described as not read, never buffered whole.
import { describe, expect, it } from 'vitest';
import { MAX_PROBE_OUTPUT, probeImagePython } from '../../../src/exec/run-docker.js';
import type { DockerClient } from '../../../src/docker/client.js';

function fakeDocker(print: (out: NodeJS.WritableStream) => void, exit = 0): DockerClient {
  return { runContainer: async (req: { stdout: NodeJS.WritableStream }) => (print(req.stdout), exit) } as unknown as DockerClient;
}

describe('probeImagePython', () => {
  it(`attack: an image whose Python prints past ${MAX_PROBE_OUTPUT} bytes is not read, and says so`, async () => {
    const chunk = Buffer.alloc(1 << 20, 0x7b);
    let written = 0;
    const r = await probeImagePython({ id: 'sha256:x', user: '1000:1000', openDirs: false }, {}, fakeDocker((out) => {
      for (let i = 0; i < 40; i++) out.write(chunk), (written += chunk.length);
    }));
    expect(written).toBeGreaterThan(MAX_PROBE_OUTPUT);
    expect(r.identity).toBeNull();
    expect(r.note).toMatch(/printed more than 16777216 bytes/);
  });

  it('a probe document within the bound is read', async () => {
    const doc = JSON.stringify({ executable: '/usr/bin/python3', version: '3.11.2', implementation: 'CPython', prefix: '/usr', basePrefix: '/usr', packages: { numpy: '1.26.4' }, paths: [] });
    const r = await probeImagePython({ id: 'sha256:x', user: '1000:1000', openDirs: false }, {}, fakeDocker((out) => out.write(doc)));
    expect(r.identity).toMatchObject({ version: '3.11.2', packages: { numpy: '1.26.4' } });
  });
});

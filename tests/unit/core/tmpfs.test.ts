import { promises as fs } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { tmpfsWithRoom } from '../../../src/core/tmpfs.js';

describe('tmpfsWithRoom', () => {
  it('REPRO_TMPFS=none never uses one; a folder that is not a tmpfs is refused, saying so', async () => {
    expect(await tmpfsWithRoom(1, { REPRO_TMPFS: 'none' })).toEqual({ reason: 'REPRO_TMPFS=none' });
    const disk = (await fs.statfs(os.tmpdir())).type === 0x01021994 ? process.cwd() : os.tmpdir();
    expect(await tmpfsWithRoom(1, { REPRO_TMPFS: disk })).toEqual({ reason: `${disk} is not a tmpfs here` });
    expect(await tmpfsWithRoom(1, { REPRO_TMPFS: '/no/such/folder' })).toEqual({ reason: '/no/such/folder is not a tmpfs here' });
  });

  it('/dev/shm (a tmpfs on Linux) holds a small project, not one larger than half its free room', async () => {
    const st = await fs.statfs('/dev/shm');
    expect(st.type).toBe(0x01021994);
    expect(await tmpfsWithRoom(1 << 20, {})).toEqual({ dir: '/dev/shm' });
    const free = st.bavail * st.bsize;
    expect(await tmpfsWithRoom(free, {})).toMatchObject({ reason: expect.stringMatching(/^\/dev\/shm has \d+ bytes free, too few for the project's \d+$/) });
  });
});

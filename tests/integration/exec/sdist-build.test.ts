// The host side of --allow-build, on real archives: reading an sdist's [build-system] without
// unpacking it, unpacking it for the sandboxed build (the attacks: members that climb out, absolute
// paths, links), and the bundle's build record checked against the build wheels it carries.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/canonical-json.js';
import { readBuildRecord } from '../../../src/exec/environment.js';
import { unpackSdist } from '../../../src/exec/sdist-build.js';
import { sdistBuildSystem } from '../../../src/wheel/sdist.js';
import { tempDir } from '../../helpers/project.js';

/** A .tar.gz written by Python's tarfile: each member (name, text, or a link target). */
function pyTar(file: string, members: Array<{ name: string; text?: string; link?: string }>): void {
  const script = `import io, json, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    for m in json.loads(sys.argv[2]):
        info = tarfile.TarInfo(m["name"])
        if "link" in m:
            info.type = tarfile.SYMTYPE
            info.linkname = m["link"]
            t.addfile(info)
        else:
            data = m["text"].encode()
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
`;
  execFileSync('python3', ['-c', script, file, JSON.stringify(members)]);
}

describe('sdistBuildSystem: the pyproject.toml inside the archive, nothing unpacked', () => {
  it('reads the top folder\'s pyproject.toml, not one deeper in the tree', async () => {
    const file = path.join(tempDir(), 'pkg-1.0.tar.gz');
    pyTar(file, [
      { name: 'pkg-1.0/tests/pyproject.toml', text: '[build-system]\nrequires = ["nope"]\nbuild-backend = "nope"\n' },
      { name: 'pkg-1.0/pyproject.toml', text: '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n' },
    ]);
    expect(await sdistBuildSystem(file, 'pkg-1.0.tar.gz')).toEqual({ backend: 'hatchling.build', backendPath: [], requires: ['hatchling'] });
  });

  it('no pyproject.toml: the legacy backend', async () => {
    const file = path.join(tempDir(), 'old-1.0.tar.gz');
    pyTar(file, [{ name: 'old-1.0/setup.py', text: 'from setuptools import setup\nsetup(name="old")\n' }]);
    expect((await sdistBuildSystem(file, 'old-1.0.tar.gz')).backend).toBe('setuptools.build_meta:__legacy__');
  });

  it('a .zip sdist and a file that is no archive are refused', async () => {
    await expect(sdistBuildSystem('/dev/null', 'pkg-1.0.zip')).rejects.toMatchObject({ code: 'E_UNSUPPORTED_FILE' });
    const junk = path.join(tempDir(), 'pkg-1.0.tar.gz');
    await fs.writeFile(junk, 'not gzip at all');
    await expect(sdistBuildSystem(junk, 'pkg-1.0.tar.gz')).rejects.toMatchObject({ code: 'E_INPUT' });
  });
});

describe('unpackSdist: the archive unpacked for the sandboxed build', () => {
  it('unpacks files and folders under the top folder, stripped', async () => {
    const file = path.join(tempDir(), 'pkg-1.0.tar.gz');
    pyTar(file, [{ name: 'pkg-1.0/pkg/__init__.py', text: 'x = 1\n' }, { name: 'pkg-1.0/setup.py', text: '' }]);
    const dest = path.join(tempDir(), 'src');
    await unpackSdist(file, 'pkg-1.0.tar.gz', dest);
    expect(readdirSync(dest).sort()).toEqual(['pkg', 'setup.py']);
  });

  it.each([
    ['a member that climbs out with ..', { name: 'pkg-1.0/../../escaped.txt', text: 'out' }],
    ['an absolute member', { name: '/tmp/repro-absolute-escape.txt', text: 'out' }],
  ])('attack: %s refuses the whole sdist (E_UNSAFE_ENTRY), nothing outside written', async (_what, member) => {
    const dir = tempDir();
    const file = path.join(dir, 'pkg-1.0.tar.gz');
    pyTar(file, [{ name: 'pkg-1.0/setup.py', text: '' }, member]);
    const dest = path.join(dir, 'a', 'b', 'src');
    await expect(unpackSdist(file, 'pkg-1.0.tar.gz', dest)).rejects.toMatchObject({ code: 'E_UNSAFE_ENTRY' });
    expect(existsSync(path.join(dir, 'a', 'escaped.txt'))).toBe(false);
    expect(existsSync(path.join(dir, 'escaped.txt'))).toBe(false);
    expect(existsSync('/tmp/repro-absolute-escape.txt')).toBe(false);
  });

  it('attack: a link to /etc then a file through it: the link is not made, nothing lands in /etc', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'pkg-1.0.tar.gz');
    pyTar(file, [{ name: 'pkg-1.0/etc', link: '/etc' }, { name: 'pkg-1.0/etc/repro-sdist-escape', text: 'out' }]);
    const dest = path.join(dir, 'src');
    await unpackSdist(file, 'pkg-1.0.tar.gz', dest);
    expect(existsSync('/etc/repro-sdist-escape')).toBe(false);
    expect((await fs.lstat(path.join(dest, 'etc'))).isDirectory()).toBe(true);
  });

  it('attack: more members than the bound refuses the sdist', async () => {
    const file = path.join(tempDir(), 'pkg-1.0.tar.gz');
    pyTar(file, Array.from({ length: 12 }, (_, i) => ({ name: `pkg-1.0/f${i}`, text: 'x' })));
    await expect(unpackSdist(file, 'pkg-1.0.tar.gz', path.join(tempDir(), 'src'), { members: 10, bytes: 1 << 20 })).rejects.toMatchObject({ code: 'E_UNSAFE_ENTRY' });
  });
});

describe('readBuildRecord: vendor/python-build.json against the build wheels the bundle carries', () => {
  async function record(wheelBytes: string, recorded: string, extra: Record<string, unknown> = {}) {
    const dir = tempDir();
    await fs.mkdir(path.join(dir, 'python-build'));
    await fs.writeFile(path.join(dir, 'python-build', 'setuptools-84.2.1-py3-none-any.whl'), wheelBytes);
    const sha = createHash('sha256').update(recorded).digest('hex');
    const sdist = { package: 'docopt', version: '0.6.2', file: 'docopt-0.6.2.tar.gz', sha256: 'a'.repeat(64), backend: 'setuptools.build_meta:__legacy__', backendPath: [], requires: ['setuptools>=40.8.0'], buildWheels: ['setuptools-84.2.1-py3-none-any.whl'], ...extra };
    await fs.writeFile(path.join(dir, 'python-build.json'), canonicalJson({ schemaVersion: 1, sdists: [sdist], buildWheels: [{ file: 'setuptools-84.2.1-py3-none-any.whl', sha256: sha }] }));
    return { file: path.join(dir, 'python-build.json'), wheels: path.join(dir, 'python-build') };
  }

  it('a record whose wheels are there with their sha256 is read', async () => {
    const r = await record('wheel bytes', 'wheel bytes');
    const got = await readBuildRecord(r.file, r.wheels);
    expect(got.sdists).toMatchObject([{ package: 'docopt', backend: 'setuptools.build_meta:__legacy__' }]);
    expect([...got.buildWheels.keys()]).toEqual(['setuptools-84.2.1-py3-none-any.whl']);
  });

  it('attack: a build wheel swapped after the record was written is refused (E_INTEGRITY naming it)', async () => {
    const r = await record('other bytes', 'wheel bytes');
    await expect(readBuildRecord(r.file, r.wheels)).rejects.toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining("build wheel setuptools-84.2.1-py3-none-any.whl does not match") });
  });

  it('attack: a record whose backend path leaves the sdist is refused', async () => {
    const r = await record('wheel bytes', 'wheel bytes', { backendPath: ['../../..'] });
    await expect(readBuildRecord(r.file, r.wheels)).rejects.toThrow(/outside the sdist/);
  });
});

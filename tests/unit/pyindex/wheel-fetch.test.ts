import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseWheel, lockSources, pipConfKeys, pipSettingsInPlay, type LockedPin } from '../../../src/pyindex/wheel-fetch.js';
import type { MarkerEnvironment } from '../../../src/lockfile/pep508.js';
import { tempDir } from '../../helpers/project.js';

const H = (c: string) => c.repeat(64);
const markers: MarkerEnvironment = { python_version: '3.11', python_full_version: '3.11.2', implementation_name: 'cpython', implementation_version: '3.11.2', platform_python_implementation: 'CPython', sys_platform: 'linux', platform_system: 'Linux', platform_machine: 'x86_64', os_name: 'posix' };
const facts = { tags: { implementation: 'cpython', version: [3, 11] as [number, number], glibc: [2, 36] as [number, number], machine: 'x86_64' }, markers };
const pin = (hashes: string[], version = '2.1.3'): LockedPin => ({ name: 'numpy', version, hashes: new Set(hashes), marker: null });
const offer = (filename: string, sha256: string | null, requiresPython: string | null = null) => ({ filename, sha256, requiresPython });

describe('lockSources (what the lock says to fetch, or why pip must read it)', () => {
  it('reads the indexes, find-links, pins and their sha256 hashes', () => {
    const text = `--index-url https://pypi.example/simple\n--extra-index-url https://extra.example/simple\n-f /abs/wheels\nnumpy==2.1.3 \\\n    --hash=sha256:${H('a')} \\\n    --hash=sha256:${H('b')}\ntorch==2.5.1+cpu --hash=sha256:${H('c')} ; sys_platform == "linux"\n`;
    expect(lockSources(text, { PIP_EXTRA_INDEX_URL: 'https://env.example/simple' })).toEqual({
      indexes: ['https://pypi.example/simple', 'https://extra.example/simple', 'https://env.example/simple'],
      findLinks: ['/abs/wheels'],
      pins: [
        { name: 'numpy', version: '2.1.3', hashes: new Set([H('a'), H('b')]), marker: null },
        { name: 'torch', version: '2.5.1+cpu', hashes: new Set([H('c')]), marker: 'sys_platform == "linux"' },
      ],
    });
  });

  it('PIP_FIND_LINKS adds its sources to the lock\'s (a relative one is left to pip)', () => {
    expect(lockSources(`-f /a\nx==1 --hash=sha256:${H('a')}\n`, { PIP_FIND_LINKS: '/opt/wheels http://127.0.0.1:9/links/' })).toMatchObject({ findLinks: ['/a', '/opt/wheels', 'http://127.0.0.1:9/links/'] });
    expect(lockSources(`x==1 --hash=sha256:${H('a')}\n`, { PIP_FIND_LINKS: 'wheels' })).toEqual({ unsure: 'PIP_FIND_LINKS names wheels, read against the working folder' });
  });

  it('--no-index leaves only the find-links; without --index-url PIP_INDEX_URL, else PyPI', () => {
    expect(lockSources(`--no-index\n--find-links http://127.0.0.1:9/\nx==1 --hash=sha256:${H('a')}\n`, {})).toMatchObject({ indexes: [], findLinks: ['http://127.0.0.1:9/'] });
    expect(lockSources(`x==1 --hash=sha256:${H('a')}\n`, { PIP_INDEX_URL: 'https://mirror.example/simple' })).toMatchObject({ indexes: ['https://mirror.example/simple'] });
    expect(lockSources(`x==1 --hash=sha256:${H('a')}\n`, {})).toMatchObject({ indexes: ['https://pypi.org/simple'] });
  });

  it('leaves to pip what it reads otherwise: other options, relative find-links, ranges, unhashed or doubled packages, URLs', () => {
    for (const [text, why] of [
      [`-r other.txt\nx==1 --hash=sha256:${H('a')}`, /-r/],
      [`--trusted-host example\nx==1 --hash=sha256:${H('a')}`, /--trusted-host/],
      [`-f ./wheels\nx==1 --hash=sha256:${H('a')}`, /against the lock's folder/],
      [`--index-url file:///srv/simple\nx==1 --hash=sha256:${H('a')}`, /no http\(s\) URL/],
      [`x>=1 --hash=sha256:${H('a')}`, /not pinned with ==/],
      [`x===1.0 --hash=sha256:${H('a')}`, /not pinned with ==/],
      ['x==1', /no sha256 hash/],
      [`x==1 --hash=md5:${'c'.repeat(32)}`, /no sha256 hash/],
      [`x==1 --hash=sha256:${H('a')}\nx==2 --hash=sha256:${H('b')}`, /two lines/],
      [`x @ https://files.example/x-1-py3-none-any.whl --hash=sha256:${H('a')}`, /not pinned/],
    ] as const) {
      const got = lockSources(`${text}\n`, {});
      expect(got, text).toHaveProperty('unsure');
      expect((got as { unsure: string }).unsure, text).toMatch(why);
    }
  });
});

describe('chooseWheel (the one wheel pip would pick, or none)', () => {
  it('takes the only wheel with a locked hash that fits the interpreter and version', () => {
    const got = chooseWheel(pin([H('a'), H('b'), H('c')]), [
      offer('numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', H('a')),
      offer('numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', H('b')),
      offer('numpy-2.1.3-cp311-cp311-macosx_14_0_arm64.whl', H('c')),
      offer('numpy-2.1.3.tar.gz', H('d')),
    ], facts);
    expect(got).toEqual({ index: 0, sha256: H('a'), filename: 'numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl' });
  });

  it('a fitting wheel listed with a hash the lock does not name drops out beside one it names; alone, pip would fetch it and fail: left to pip', () => {
    const named = 'numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.whl';
    expect(chooseWheel(pin([H('a')]), [offer(named, H('a')), offer('numpy-2.1.3-cp311-abi3-manylinux_2_28_x86_64.whl', H('e'))], facts)).toEqual({ index: 0, sha256: H('a'), filename: named });
    expect(chooseWheel(pin([H('a')]), [offer(named, H('e'))], facts)).toEqual({ index: 0, sha256: H('e'), filename: named });
    expect(chooseWheel(pin([H('a')]), [offer(named, H('e')), offer('numpy-2.1.3-cp311-abi3-manylinux_2_28_x86_64.whl', H('f'))], facts)).toHaveProperty('unsure');
  });

  it('a wheel listed without a hash stays a candidate, as in pip (a find-links page of a plain web server lists none)', () => {
    const f = 'numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.whl';
    expect(chooseWheel(pin([H('a')]), [offer(f, null), offer('numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.whl', null)], facts)).toEqual({ index: 0, sha256: null, filename: f });
    // Beside a locked one, it is a second candidate: pip ranks them.
    expect(chooseWheel(pin([H('a')]), [offer('numpy-2.1.3-cp311-abi3-manylinux_2_17_x86_64.whl', H('a')), offer(f, null)], facts)).toEqual({ unsure: expect.stringMatching(/2 wheels .* \(pip ranks them\)/) });
  });

  it('several fitting wheels are left to pip, which ranks their tags', () => {
    const got = chooseWheel(pin([H('a'), H('b')]), [offer('numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.whl', H('a')), offer('numpy-2.1.3-cp311-cp311-manylinux_2_28_x86_64.whl', H('b'))], facts);
    expect(got).toEqual({ unsure: expect.stringMatching(/2 wheels .* \(pip ranks them\)/) });
  });

  it('the same file offered by two sources is one candidate', () => {
    const f = 'numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.whl';
    expect(chooseWheel(pin([H('a')]), [offer(f, H('a')), offer(f, H('a'))], facts)).toEqual({ index: 0, sha256: H('a'), filename: f });
    expect(chooseWheel(pin([H('a')]), [offer(f, null), offer(f, null)], facts)).toEqual({ index: 0, sha256: null, filename: f });
  });

  it('honours Requires-Python (pip skips what the interpreter is too old or new for), and leaves an unparsable one to pip', () => {
    expect(chooseWheel(pin([H('a'), H('b')]), [offer('numpy-2.1.3-py3-none-any.whl', H('a'), '>=3.12'), offer('numpy-2.1.3-cp311-abi3-manylinux_2_17_x86_64.whl', H('b'), '>=3.9')], facts)).toEqual({ index: 1, sha256: H('b'), filename: 'numpy-2.1.3-cp311-abi3-manylinux_2_17_x86_64.whl' });
    expect(chooseWheel(pin([H('a')]), [offer('numpy-2.1.3-py3-none-any.whl', H('a'), 'not a spec')], facts)).toEqual({ unsure: expect.stringMatching(/Requires-Python "not a spec" does not parse/) });
  });

  it('== matches as PEP 440 does: 2.5.1 is 2.5.1.0, and a local version is matched by its public one', () => {
    expect(chooseWheel(pin([H('a')], '2.5.1'), [offer('numpy-2.5.1.0-py3-none-any.whl', H('a'))], facts)).toMatchObject({ sha256: H('a') });
    expect(chooseWheel(pin([H('a')], '2.5.1'), [offer('numpy-2.5.1+cpu-py3-none-any.whl', H('a'))], facts)).toMatchObject({ sha256: H('a') });
    expect(chooseWheel(pin([H('a')], '2.5.1+cpu'), [offer('numpy-2.5.1-py3-none-any.whl', H('a'))], facts)).toHaveProperty('unsure');
    expect(chooseWheel(pin([H('a')], '2.5.1'), [offer('numpy-2.5.2-py3-none-any.whl', H('a'))], facts)).toHaveProperty('unsure');
  });
});

describe('pipSettingsInPlay (what pip would read that this fetcher does not)', () => {
  // pip's global pip.conf is read from an empty folder here, not this machine's /etc.
  const home = () => {
    const d = tempDir();
    return { HOME: d, XDG_CONFIG_DIRS: path.join(d, 'xdg-none') };
  };
  const inPlay = (env: Record<string, string | undefined>, prefix: string | null, plain: boolean) => pipSettingsInPlay(env, prefix, plain, tempDir());

  it('none: only index settings and harmless switches (a CA bundle where every source is plain http, or Node.js is given one too)', () => {
    const ca = { PIP_CERT: '/etc/ca.pem', REQUESTS_CA_BUNDLE: '/etc/ca.pem', NODE_EXTRA_CA_CERTS: undefined };
    expect(inPlay({ ...home(), PIP_INDEX_URL: 'http://x.example/simple', PIP_FIND_LINKS: '/opt/wheels', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_CACHE_DIR: '1', PIP_DEFAULT_TIMEOUT: '180', ...ca }, tempDir(), true)).toBeNull();
    expect(inPlay({ ...home(), ...ca }, tempDir(), false)).toBe('PIP_CERT is set');
    expect(inPlay({ ...home(), ...ca, NODE_EXTRA_CA_CERTS: '/etc/ca.pem' }, tempDir(), false)).toBeNull();
  });

  it('the global pip.conf: a cert alone is tolerated where every source is plain http; another key is not', () => {
    const etc = tempDir();
    writeFileSync(path.join(etc, 'pip.conf'), '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n');
    expect(pipSettingsInPlay(home(), null, true, etc)).toBeNull();
    expect(pipSettingsInPlay({ ...home(), NODE_EXTRA_CA_CERTS: undefined }, null, false, etc)).toBe(`pip reads cert from ${path.join(etc, 'pip.conf')}`);
    writeFileSync(path.join(etc, 'pip.conf'), '[global]\nindex-url = https://corp.example/simple\n');
    expect(pipSettingsInPlay(home(), null, true, etc)).toBe(`pip reads index-url from ${path.join(etc, 'pip.conf')}`);
  });

  it('a PIP_ setting it does not read, a proxy, a CA bundle for https, a netrc', () => {
    expect(inPlay({ ...home(), PIP_TRUSTED_HOST: 'x' }, null, true)).toBe('PIP_TRUSTED_HOST is set');
    expect(inPlay({ ...home(), https_proxy: 'http://proxy:3128' }, null, true)).toBe('https_proxy is set');
    expect(inPlay({ ...home(), REQUESTS_CA_BUNDLE: '/etc/ca.pem', NODE_EXTRA_CA_CERTS: undefined }, null, false)).toBe('REQUESTS_CA_BUNDLE is set');
    const h = home();
    writeFileSync(path.join(h.HOME, '.netrc'), 'machine x login a password b\n');
    expect(inPlay(h, null, true)).toBe('~/.netrc exists');
  });

  it('a pip.conf pip would read, with a key it does not: the user\'s, XDG\'s, PIP_CONFIG_FILE\'s, the interpreter prefix\'s; PIP_CONFIG_FILE=/dev/null reads none', () => {
    const h = home();
    mkdirSync(path.join(h.HOME, '.config', 'pip'), { recursive: true });
    writeFileSync(path.join(h.HOME, '.config', 'pip', 'pip.conf'), '[global]\nindex-url = https://corp.example/simple\n');
    expect(inPlay(h, null, true)).toMatch(/pip reads (index-url from .*\.config\/pip\/pip\.conf|.* from \/etc\/pip\.conf)/);
    expect(inPlay({ ...h, PIP_CONFIG_FILE: os.devNull }, null, true)).toBeNull();
    const prefix = tempDir();
    writeFileSync(path.join(prefix, 'pip.conf'), '[download]\nfind-links = /srv/wheels\n');
    expect(inPlay(home(), prefix, true)).toMatch(/pip reads (find-links from .*pip\.conf|.* from \/etc\/pip\.conf)/);
    const own = path.join(tempDir(), 'corp.conf');
    writeFileSync(own, '[global]\n# a comment = x\ntrusted-host = corp.example\n');
    expect(inPlay({ ...home(), PIP_CONFIG_FILE: own }, null, true)).toMatch(/pip reads (trusted-host from .*corp\.conf|.* from \/etc\/pip\.conf)/);
  });

  it('pipConfKeys reads an INI\'s keys, not its comments or sections', () => {
    expect(pipConfKeys('[global]\ncert = /etc/ssl/ca.crt\n; no = 1\n# nor = 2\n[install]\nno_cache_dir: true\n')).toEqual(['cert', 'no-cache-dir']);
  });
});

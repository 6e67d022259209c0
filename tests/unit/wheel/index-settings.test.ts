// A uv project's index settings, given to pip download: the environment, uv.toml, pyproject's
// [tool.uv], the user's uv.toml; pip's own settings win.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipIndexEnv, uvIndexSettings, uvTomlIndexes } from '../../../src/wheel/index-settings.js';
import { tempDir } from '../../helpers/project.js';

describe('uvTomlIndexes', () => {
  it('[[index]] with default = true is the index, the others extra; index-url and extra-index-url too', () => {
    expect(uvTomlIndexes('[[index]]\nname = "corp"\nurl = "https://pypi.corp/simple"\ndefault = true\n\n[[index]]\nname = "torch"\nurl = "https://download.pytorch.org/whl/cpu"\n', 'uv.toml')).toEqual({
      index: { url: 'https://pypi.corp/simple', from: 'uv.toml' },
      extra: [{ url: 'https://download.pytorch.org/whl/cpu', from: 'uv.toml' }],
    });
    expect(uvTomlIndexes('index-url = "https://a/simple"\nextra-index-url = ["https://b/simple"]\n', 'uv.toml')).toEqual({ index: { url: 'https://a/simple', from: 'uv.toml' }, extra: [{ url: 'https://b/simple', from: 'uv.toml' }] });
  });

  it('pyproject.toml: only [tool.uv]; a broken TOML says nothing', () => {
    expect(uvTomlIndexes('[project]\nname = "x"\n[[tool.uv.index]]\nurl = "https://c/simple"\ndefault = true\n', 'pyproject.toml', true).index).toEqual({ url: 'https://c/simple', from: 'pyproject.toml' });
    expect(uvTomlIndexes('[[index]\nurl = ', 'uv.toml')).toEqual({ index: null, extra: [] });
  });
});

describe('uvIndexSettings and pipIndexEnv', () => {
  it('the environment first (UV_DEFAULT_INDEX, UV_INDEX as name=url), then the project\'s uv.toml, then the user\'s', async () => {
    const project = tempDir();
    writeFileSync(path.join(project, 'uv.toml'), 'index-url = "https://project/simple"\n');
    const home = tempDir();
    mkdirSync(path.join(home, '.config', 'uv'), { recursive: true });
    writeFileSync(path.join(home, '.config', 'uv', 'uv.toml'), 'index-url = "https://user/simple"\n');
    expect((await uvIndexSettings(project, { HOME: home, UV_DEFAULT_INDEX: 'https://env/simple', UV_INDEX: 'torch=https://t/simple https://u/simple' }))).toEqual({
      index: { url: 'https://env/simple', from: 'UV_DEFAULT_INDEX' },
      extra: [{ url: 'https://t/simple', from: 'UV_INDEX' }, { url: 'https://u/simple', from: 'UV_INDEX' }],
    });
    expect((await uvIndexSettings(project, { HOME: home })).index).toEqual({ url: 'https://project/simple', from: 'uv.toml' });
    expect((await uvIndexSettings(tempDir(), { HOME: home })).index?.url).toBe('https://user/simple');
    expect(await uvIndexSettings(tempDir(), { HOME: tempDir() })).toEqual({ index: null, extra: [] });
  });

  it('pip\'s own settings win; uv\'s become PIP_INDEX_URL and PIP_EXTRA_INDEX_URL', () => {
    const s = { index: { url: 'https://a/simple', from: 'uv.toml' }, extra: [{ url: 'https://b/simple', from: 'uv.toml' }, { url: 'https://c/simple', from: 'uv.toml' }] };
    expect(pipIndexEnv(s, {})).toEqual({ PIP_INDEX_URL: 'https://a/simple', PIP_EXTRA_INDEX_URL: 'https://b/simple https://c/simple' });
    expect(pipIndexEnv(s, { PIP_INDEX_URL: 'https://mine/simple' })).toEqual({ PIP_EXTRA_INDEX_URL: 'https://b/simple https://c/simple' });
  });
});

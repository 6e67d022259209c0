// repro lint's parser on real Python: torch, TensorFlow and DataLoader code it only parses (none
// of those libraries is installed here, and nothing is imported), import aliases resolved, the
// sandbox in place; and hostile projects: code that would run on import, a link to a secret, a
// file that is not Python, a huge file, an environment folder.
import { existsSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintProject, pythonFiles } from '../../../src/exec/lint.js';
import { makeProject } from '../../helpers/project.js';
import { testContext } from '../../helpers/context.js';

const lint = async (files: Record<string, string>, gpu = false) => {
  const root = await makeProject(files, { git: false });
  return { root, report: await lintProject({ projectDir: root, snapshot: null, manifest: gpu ? ({ gpu: { required: true, count: 1 }, env: {} } as never) : null }, testContext({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } })) };
};
const rules = (r: Awaited<ReturnType<typeof lint>>['report']) => r.findings.map((f) => `${f.file}:${f.line} ${f.rule}`);

describe('repro lint, parsing real Python', () => {
  it('a torch training script on a GPU project: benchmark, determinism, DataLoader workers, unseeded torch', async () => {
    const { report } = await lint({
      'train.py': `import torch
from torch.utils.data import DataLoader
torch.backends.cudnn.benchmark = True
model = torch.nn.Linear(4, 2).cuda()
loader = DataLoader(range(10), batch_size=2, num_workers=4)
x = torch.randn(3, 4)
`,
    }, true);
    expect(report.sandbox).toBe('bubblewrap');
    expect(rules(report)).toEqual(['train.py:1 torch-deterministic', 'train.py:3 cudnn-benchmark', 'train.py:5 dataloader-workers', 'train.py:6 unseeded-rng']);
  });

  it('the same script made deterministic: no findings', async () => {
    const { report } = await lint({
      'train.py': `import os
os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
import torch
from torch.utils.data import DataLoader
torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
torch.backends.cudnn.benchmark = False
g = torch.Generator().manual_seed(0)
loader = DataLoader(range(10), batch_size=2, num_workers=4, generator=g)
x = torch.randn(3, 4)
`,
    }, true);
    expect(rules(report)).toEqual([]);
  });

  it('aliases resolved across files: np.random, sklearn estimators, glob and pathlib listings, sorted() excused', async () => {
    const { report } = await lint({
      'a.py': 'import numpy as np\nfrom numpy import random as npr\nx = npr.rand(3)\n',
      'b.py': 'from sklearn.ensemble import RandomForestClassifier as RF\nm = RF(n_estimators=3)\nok = RF(random_state=0)\n',
      'c.py': 'import glob\nfrom pathlib import Path\nfiles = glob.glob("*.csv")\nfor p in Path("data").iterdir():\n    pass\nfine = sorted(glob.glob("*.csv"))\nalso = sorted(Path(".").glob("*.py"))\n',
      'd.py': 'import tensorflow as tf\nm = tf.keras.Sequential()\n',
    });
    expect(rules(report)).toEqual(['a.py:3 unseeded-rng', 'b.py:2 sklearn-random-state', 'c.py:3 unsorted-listing', 'c.py:4 unsorted-listing', 'd.py:1 tf-op-determinism']);
  });

  it('attack: a project whose code would run on import is only parsed: nothing runs', async () => {
    const marker = path.join(os.tmpdir(), `repro-lint-ran-${process.pid}`);
    const { report } = await lint({ 'evil.py': `import os\nos.system("touch ${marker}")\nopen("${marker}", "w").write("ran")\n`, 'setup.py': `open("${marker}2", "w").write("ran")\n` });
    expect(report.files).toBe(2);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(`${marker}2`)).toBe(false);
  });

  it('attack: a .py link to a secret is not read; a syntax error and a non-UTF-8 file are said, not fatal; environments are skipped', async () => {
    const root = await makeProject({ 'ok.py': 'import socket\nname = socket.gethostname()\n', 'broken.py': 'def (:\n', 'latin.py': Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x0a, 0x28]) as unknown as string, '.venv/pyvenv.cfg': 'home = /usr/bin\n', '.venv/lib/site.py': 'import random\nrandom.random()\n' }, { git: false });
    symlinkSync('/etc/shadow', path.join(root, 'secret.py'));
    // the link is not even listed: only regular files are parsed
    expect((await pythonFiles(root)).files).toEqual(['broken.py', 'latin.py', 'ok.py']);
    const report = await lintProject({ projectDir: root, snapshot: null, manifest: null }, testContext({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }));
    expect(rules(report)).toEqual(['ok.py:2 hostname']);
    expect(report.unparsed.map((u) => u.file).sort()).toEqual(['broken.py', 'latin.py']);
    expect(JSON.stringify(report)).not.toMatch(/root:/);
  });
});

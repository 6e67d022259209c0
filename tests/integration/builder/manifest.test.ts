// The project manifest travels in the bundle: resolved in bundle.json, plus a generated
// MLproject that renders the same command with MLflow's reader.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMlproject } from '../../../src/project/read-mlproject.js';
import { renderCommand } from '../../../src/project/render.js';
import { verifyBundle } from '../../../src/bundle/verify.js';
import { build } from '../../helpers/build.js';
import { listFiles, makeProject, tempDir } from '../../helpers/project.js';

const YAML = `name: demo
version: 2.0.0
entry_points:
  main:
    command: "python3 train.py --lr {lr} --epochs {epochs} --mode {mode} --tag {tag}"
    parameters:
      lr: {type: float, default: 1.0}
      epochs: {type: int, default: 3}
      mode: {type: choice, choices: [fast, slow], default: fast}
      tag: string
`;

async function bundleFiles(bundle: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer[]>();
  await verifyBundle(bundle, {
    onEntry: (e) => {
      const parts: Buffer[] = [];
      files.set(e.path, parts);
      return { write: (slice) => parts.push(Buffer.from(slice)), end: () => {} };
    },
  });
  return new Map([...files].map(([k, v]) => [k, Buffer.concat(v)]));
}

describe('bundles carry the project manifest', () => {
  it('bundle.json holds the resolved repro.yaml; a generated MLproject renders the same command', async () => {
    const root = await makeProject({ 'repro.yaml': YAML, 'train.py': 'print(1)\n' });
    const r = await build(root);
    expect(r.project).toEqual({ source: 'repro.yaml', entryPoints: ['main'] });
    const report = await verifyBundle(r.bundle);
    expect(report.manifest.head.project?.entryPoints.main?.parameters.map((p) => p.name)).toEqual(['lr', 'epochs', 'mode', 'tag']);
    const files = await bundleFiles(r.bundle);
    const mlproject = files.get('project/MLproject')!.toString();
    const fromMlflow = readMlproject(mlproject, root);
    const params: Array<[string, string]> = [['tag', 'v1 final'], ['mode', 'slow']];
    const opts = { rules: 'mlflow' as const, callerDir: root };
    expect(renderCommand(fromMlflow.entryPoints.main!, params, opts).command).toBe(renderCommand(report.manifest.head.project!.entryPoints.main!, params, opts).command);
    expect(renderCommand(fromMlflow.entryPoints.main!, params, opts).command).toBe("python3 train.py --lr 1.0 --epochs 3 --mode slow --tag 'v1 final'");
  });

  it("keeps the project's own MLproject instead of generating one", async () => {
    const own = 'name: own\nentry_points:\n  main:\n    command: python own.py\n';
    const root = await makeProject({ 'repro.yaml': YAML, MLproject: own, 'own.py': '1' });
    const files = await bundleFiles((await build(root)).bundle);
    expect(files.get('project/MLproject')!.toString()).toBe(own);
  });

  it('an MLproject alone is read as the manifest', async () => {
    const root = await makeProject({ MLproject: 'name: ml\nentry_points:\n  main:\n    parameters:\n      alpha: {type: float, default: 0.5}\n    command: python t.py {alpha}\n', 't.py': '1' });
    const r = await build(root);
    expect(r.project).toEqual({ source: 'MLproject', entryPoints: ['main'] });
  });

  it('an invalid repro.yaml fails the build with its line, before anything is written', async () => {
    const root = await makeProject({ 'repro.yaml': YAML.replace('tag: string', 'tag: tensor'), 'train.py': '1' });
    const out = path.join(tempDir(), 'out');
    await expect(build(root, { outDir: out })).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringMatching(/^repro\.yaml:10: /) });
    expect(await listFiles(out)).toEqual([]);
  });
});

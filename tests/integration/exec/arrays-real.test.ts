// Array files written by the real libraries (numpy 1.26.4: .npy of several dtypes, byte orders
// and Fortran order, .npz stored and compressed; safetensors 0.4.5's numpy writer), read by repro
// without running any of their code: every element equals what numpy itself reads back.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrayDifference, readArrays } from '../../../src/exec/arrays.js';
import { ML_PYTHON, ML_REASON, SKIP_ML } from '../../helpers/ml-python.js';
import { tempDir } from '../../helpers/project.js';

const WRITE = `import json, sys, numpy as np
from safetensors.numpy import save_file
d = sys.argv[1]
rng = np.random.default_rng(3)
cases = {
  "f32": rng.standard_normal((3, 4)).astype(np.float32),
  "f64be": rng.standard_normal(5).astype(">f8"),
  "f16": rng.standard_normal(6).astype(np.float16),
  "i64": np.arange(-3, 3, dtype=np.int64),
  "u8": np.arange(250, 256, dtype=np.uint8),
  "b": np.array([True, False, True]),
  "fortran": np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)),
  "scalar": np.float64(2.5),
}
expected = {}
for k, v in cases.items():
  np.save(f"{d}/{k}.npy", v)
  v = np.asarray(v)
  expected[k] = (v.ravel(order="F") if k == "fortran" else v.ravel()).astype(np.float64).tolist()
np.savez(f"{d}/stored.npz", w=cases["f32"], b=cases["i64"])
np.savez_compressed(f"{d}/packed.npz", w=cases["f32"], b=cases["i64"])
save_file({"weight": cases["f32"], "bias": cases["f16"], "steps": cases["i64"]}, f"{d}/model.safetensors", metadata={"format": "np"})
json.dump(expected, open(f"{d}/expected.json", "w"))
`;

describe.skipIf(SKIP_ML)(`arrays written by numpy and safetensors${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  it('every dtype, order and container reads back as numpy reads it', () => {
    const dir = tempDir();
    execFileSync(ML_PYTHON!, ['-c', WRITE, dir]);
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<string, number[]>;
    for (const [name, values] of Object.entries(expected)) {
      const [arr] = readArrays(readFileSync(path.join(dir, `${name}.npy`)), 'npy');
      expect(Array.from(arr!.values), name).toEqual(values);
    }
    for (const file of ['stored.npz', 'packed.npz']) {
      const arrs = readArrays(readFileSync(path.join(dir, file)), 'npz');
      expect(arrs.map((a) => a.name)).toEqual(['b', 'w']);
      expect(Array.from(arrs[1]!.values)).toEqual(expected.f32);
      expect(arrs[1]!.shape).toEqual([3, 4]);
    }
    const st = readArrays(readFileSync(path.join(dir, 'model.safetensors')), 'safetensors');
    expect(st.map((a) => [a.name, a.shape])).toEqual([['bias', [6]], ['steps', [6]], ['weight', [3, 4]]]);
    expect(Array.from(st[0]!.values)).toEqual(expected.f16);
    expect(Array.from(st[2]!.values)).toEqual(expected.f32);
  });

  it('two float32 files that differ in the last bits: max |Δ|, relative error and the element', () => {
    const dir = tempDir();
    execFileSync(ML_PYTHON!, ['-c', 'import sys, numpy as np\na = np.linspace(1, 2, 8, dtype=np.float32).reshape(2, 4)\nnp.save(sys.argv[1] + "/a.npy", a)\nb = a.copy(); b[1, 2] = np.nextafter(b[1, 2], np.float32(3))\nnp.save(sys.argv[1] + "/b.npy", b)', dir]);
    const d = arrayDifference(readArrays(readFileSync(path.join(dir, 'a.npy')), 'npy'), readArrays(readFileSync(path.join(dir, 'b.npy')), 'npy'))!;
    expect(d.at).toBe('array[1, 2]');
    expect(d.value).toBeGreaterThan(0);
    expect(d.value).toBeLessThan(1e-6);
    expect(d.relative).toBeLessThan(1e-6);
  });
});

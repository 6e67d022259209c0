// Whether a wheel installs on an interpreter: its tags (filename.ts) against what the interpreter
// is (implementation, version, C library, machine), by the rules pip and uv apply (PEP 425, 600,
// 656): cpXY with the interpreter's ABI, cp3Y-abi3 for any earlier minor, py3/py3Y with no ABI,
// `any`, linux_<arch>, manylinux_X_Y_<arch> (and the legacy manylinux1/2010/2014 aliases) up to
// the interpreter's glibc. musllinux wheels need musl, which a glibc interpreter is not.
import type { WheelName } from './filename.js';

export interface InterpreterTags {
  /** sys.implementation.name: cpython, pypy, ... */
  implementation: string;
  version: [number, number];
  /** glibc's version (os.confstr), or null on another C library. */
  glibc: [number, number] | null;
  /** platform.machine(): x86_64, aarch64, ... */
  machine: string;
}

const LEGACY_MANYLINUX: Record<string, [number, number]> = { manylinux1: [2, 5], manylinux2010: [2, 12], manylinux2014: [2, 17] };

const atMost = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

function platformFits(tag: string, t: InterpreterTags): boolean {
  if (tag === 'any') return true;
  if (tag === `linux_${t.machine}`) return true;
  const modern = /^manylinux_(\d+)_(\d+)_(.+)$/.exec(tag);
  if (modern) return t.glibc !== null && modern[3] === t.machine && atMost([Number(modern[1]), Number(modern[2])], t.glibc);
  const legacy = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(tag);
  if (legacy) return t.glibc !== null && legacy[2] === t.machine && atMost(LEGACY_MANYLINUX[legacy[1]!]!, t.glibc);
  return false;
}

function pythonAbiFits(py: string, abi: string, t: InterpreterTags): boolean {
  const [major, minor] = t.version;
  const cp = t.implementation === 'cpython';
  const m = /^(cp|py|pp)(\d)(\d*)$/.exec(py);
  if (!m || Number(m[2]) !== major) return false;
  const tagMinor = m[3] === '' ? null : Number(m[3]);
  if (abi === 'none') {
    // py3, py3Y (Y up to ours), or our own exact cpXY/ppXY tag with no ABI.
    if (m[1] === 'py') return tagMinor === null || tagMinor <= minor;
    return (m[1] === 'cp' ? cp : t.implementation === 'pypy') && tagMinor === minor;
  }
  if (abi === 'abi3') return cp && m[1] === 'cp' && tagMinor !== null && tagMinor <= minor;
  if (cp && m[1] === 'cp') return tagMinor === minor && abi === `cp${major}${minor}`;
  return false;
}

/** Whether some combination of the wheel's tags fits the interpreter. */
export function wheelFits(wheel: WheelName, t: InterpreterTags): boolean {
  return wheel.platformTags.some((p) => platformFits(p, t)) && wheel.pythonTags.some((py) => wheel.abiTags.some((abi) => pythonAbiFits(py, abi, t)));
}

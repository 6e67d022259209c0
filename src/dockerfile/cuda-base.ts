// Which NVIDIA CUDA base image a GPU project starts from: the CUDA its framework was built with
// (else the toolkit, else the driver's), the cuDNN flavour when the framework uses cuDNN, and a
// distribution new enough for that CUDA. The table is the documented mapping (one test a row);
// the tag is then pinned to a digest like any other base image.

export interface CudaBaseRow {
  /** CUDA major.minor this row serves. */
  cuda: string;
  /** The full version in NVIDIA's tags. */
  tag: string;
  distro: string;
  /** How the cuDNN flavour is spelled for this release ("cudnn8", or "cudnn" from 12.3 on). */
  cudnn: string;
}

export const CUDA_BASES: readonly CudaBaseRow[] = [
  { cuda: '11.8', tag: '11.8.0', distro: 'ubuntu22.04', cudnn: 'cudnn8' },
  { cuda: '12.1', tag: '12.1.1', distro: 'ubuntu22.04', cudnn: 'cudnn8' },
  { cuda: '12.4', tag: '12.4.1', distro: 'ubuntu22.04', cudnn: 'cudnn' },
  { cuda: '12.6', tag: '12.6.3', distro: 'ubuntu24.04', cudnn: 'cudnn' },
  { cuda: '12.8', tag: '12.8.1', distro: 'ubuntu24.04', cudnn: 'cudnn' },
  { cuda: '12.9', tag: '12.9.1', distro: 'ubuntu24.04', cudnn: 'cudnn' },
  { cuda: '13.0', tag: '13.0.2', distro: 'ubuntu24.04', cudnn: 'cudnn' },
];

export interface CudaChoice {
  image: string;
  row: CudaBaseRow;
  reason: string;
}

/** The newest row whose CUDA is not newer than the one asked for, within the same major. */
export function chooseCudaBase(cuda: string, withCudnn: boolean): CudaChoice | null {
  const [major, minor = '0'] = cuda.split('.');
  const want = Number(major) * 100 + Number(minor);
  const rows = CUDA_BASES.filter((r) => r.cuda.split('.')[0] === major && Number(r.cuda.split('.')[0]) * 100 + Number(r.cuda.split('.')[1]) <= want);
  const row = rows[rows.length - 1];
  if (!row) return null;
  const flavour = withCudnn ? `${row.cudnn}-runtime` : 'runtime';
  return { image: `nvidia/cuda:${row.tag}-${flavour}-${row.distro}`, row, reason: `CUDA ${cuda} requested; ${row.tag} is the newest base of that line not newer than it${withCudnn ? ', with cuDNN' : ''}` };
}

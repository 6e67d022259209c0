// The resolved project manifest: what repro.yaml or an MLproject says, in one shape.

export type ParamType = 'string' | 'int' | 'float' | 'bool' | 'path' | 'uri' | 'choice';
export const PARAM_TYPES: readonly ParamType[] = ['string', 'int', 'float', 'bool', 'path', 'uri', 'choice'];

export interface ParameterSpec {
  name: string;
  type: ParamType;
  /** The default as it is substituted into the command (MLflow: Python's str() of the YAML value). */
  default: string | null;
  required: boolean;
  choices?: string[];
  /** MLproject only: the type name as written when MLflow gives it no meaning (`str`, `bool`): a string. */
  declaredType?: string;
  /** repro.yaml `role: seed`: the run's seed; a rerun under another seed stays comparable with the reference. */
  role?: 'seed';
}

export interface EntryPointSpec {
  name: string;
  /** null: an MLproject entry point without a command (MLflow loads it; running it fails). */
  command: string | null;
  /** In declaration order: MLflow renders known parameters in this order. */
  parameters: ParameterSpec[];
}

/** The normalisers an output may declare (exec/normalize.ts): what each sets aside. */
export type Normalizer = 'pdf' | 'png';
export const NORMALIZERS: readonly Normalizer[] = ['pdf', 'png'];

export interface OutputSpec {
  /** A relative path, or a glob (outputs/*.json, mlruns/**\/artifacts/**) matched against the files the run leaves. */
  path: string;
  tolerance?: number;
  /** Files matching `path` are never outputs (a log, a cache, a file that embeds the time). */
  ignore?: boolean;
  /** Also compare with the bytes that embed times and ids set aside (exec/normalize.ts): "equivalent" when only those differ. */
  normalize?: Normalizer;
}

export interface ProjectManifest {
  source: 'repro.yaml' | 'MLproject' | 'convention';
  name: string;
  version: string;
  entryPoints: Record<string, EntryPointSpec>;
  environment: {
    python: string | null;
    lockfile: string | null;
    node: string | null;
    systemPackages: string[];
    baseImage: string | null;
  };
  gpu: { required: boolean; count: number; minCuda: string | null; minComputeCapability: string | null } | null;
  data: string[];
  outputs: OutputSpec[];
  env: Record<string, string>;
  /** MLflow's environment section, kept as written (MLproject sources only). */
  mlflowEnvironment?: { kind: 'python_env' | 'conda_env' | 'docker_env'; value: unknown };
}

// The virtual environment of real PyPI tools (matplotlib, mlflow-skinny, numpy) that
// scripts/ml-venv.sh makes under .cache/ at test set-up, pinned by hash: its python, or null
// (then the story tests skip, except under CI, where its absence fails them).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

const FILE = path.join(REPO_ROOT, '.cache', 'ml-python');
export const ML_PYTHON: string | null = existsSync(FILE) ? readFileSync(FILE, 'utf8').trim() || null : null;
/** The environment's folder: what the local sandbox must be let read (--expose). */
export const ML_VENV: string | null = ML_PYTHON ? path.dirname(path.dirname(ML_PYTHON)) : null;
export const ML_REASON = 'no ML tools environment (scripts/ml-venv.sh, run by the test set-up, needs /usr/bin/python3 with venv and pip, and PyPI once)';
export const SKIP_ML = ML_PYTHON === null && process.env.CI !== 'true';

const MLFLOW3_FILE = path.join(REPO_ROOT, '.cache', 'mlflow3-python');
/** MLflow 3.18 with uv (scripts/ml-venv.sh mlflow3), for `mlflow run --env-manager uv` beside repro: its python, or null. */
export const MLFLOW3_PYTHON: string | null = existsSync(MLFLOW3_FILE) ? readFileSync(MLFLOW3_FILE, 'utf8').trim() || null : null;
export const MLFLOW3_REASON = 'no MLflow 3 environment (scripts/ml-venv.sh mlflow3, run by the test set-up, needs /usr/bin/python3 with venv and pip, and PyPI once)';
export const SKIP_MLFLOW3 = MLFLOW3_PYTHON === null && process.env.CI !== 'true';

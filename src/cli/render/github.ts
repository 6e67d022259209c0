// --format github: GitHub Actions workflow commands beside the text, so what repro found shows
// on the pull request. One `::error file=…,title=…::message` per differing bundle entry, lock
// mismatch or verify problem; a `::notice` for a build proved reproducible or a bundle that
// verified; `::warning` for breaking snapshot drift. The syntax and escaping are GitHub's
// ("Workflow commands for GitHub Actions"): in the message %, CR and LF are escaped as %25, %0D,
// %0A; in a property also : and , as %3A and %2C.
import path from 'node:path';
import { showValue, sidesOf, whereOf, type Difference } from '../../core/difference.js';
import type { ReproError } from '../../core/errors.js';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function annotation(level: AnnotationLevel, message: string, props: { file?: string; line?: string; title?: string } = {}): string {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(v!)}`)
    .join(',');
  return `::${level}${p ? ` ${p}` : ''}::${escapeData(message)}\n`;
}

/** A bundle entry as a path of the repository (GITHUB_WORKSPACE-relative), when it is a project file. */
function fileOf(entry: string, projectRoot: string | null, cwd: string): string | undefined {
  const m = /^project\/(.+?)( \(vs repro\.lock\))?$/.exec(entry);
  if (!m || !projectRoot) return undefined;
  return path.relative(cwd, path.join(projectRoot, m[1]!)) || undefined;
}

function differenceLine(d: Difference): string {
  const [a, b] = sidesOf(d);
  return `${whereOf(d)}: ${d.field}: ${showValue(a)} -> ${showValue(b)}`;
}

const asArray = (v: unknown): Difference[] => (Array.isArray(v) ? (v as Difference[]) : []);

/** The annotations for a failed command: each difference or problem its evidence carries, else the error. */
export function errorAnnotations(command: string, error: ReproError, cwd: string): string {
  const d = error.details as Record<string, any>;
  const root: string | null = typeof d.root === 'string' ? d.root : typeof d.lock === 'string' ? path.dirname(d.lock) : null;
  const items: Array<{ diff: Difference; title: string }> = [];
  const notReproducible = error.code === 'E_NOT_REPRODUCIBLE';
  for (const x of asArray(d.differences).filter((x) => x && typeof x === 'object' && 'entry' in x)) items.push({ diff: x, title: notReproducible ? `repro ${command}: not reproducible` : `repro ${command}: differs from repro.lock` });
  for (const x of asArray(d.lockDifferences)) items.push({ diff: x, title: `repro ${command}: differs from repro.lock` });
  for (const x of asArray(d.problems)) items.push({ diff: x, title: `repro ${command}: bundle does not verify` });
  const out: string[] = [];
  if (error.code === 'E_LOCK_MISMATCH' && typeof d.lock === 'string') {
    out.push(annotation('error', `${error.message}\n${error.hint ?? ''}`.trim(), { file: path.relative(cwd, d.lock), title: `repro ${command}: repro.lock` }));
  }
  for (const { diff, title } of items.slice(0, 50)) out.push(annotation('error', differenceLine(diff), { file: fileOf(whereOf(diff), root, cwd), title }));
  if (items.length > 50) out.push(annotation('error', `${items.length - 50} more differences: run with --json for all of them`, { title: `repro ${command}` }));
  if (out.length === 0) out.push(annotation('error', `${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}`, { title: `repro ${command} (${error.code})` }));
  return out.join('');
}

/** The annotations for a command that finished: what a reviewer should see on the pull request. */
export function outcomeAnnotations(command: string, result: any): string {
  if (!result || typeof result !== 'object') return '';
  if (command === 'build' && result.verify?.reproducible) return annotation('notice', `${path.basename(result.bundle)} rebuilt bit for bit under ${result.verify.variations.length} variations: ${result.contentDigest}`, { title: 'repro build: reproducible' });
  if (command === 'build') return annotation('notice', `${path.basename(result.bundle)}: ${result.contentDigest}`, { title: 'repro build' });
  if (command === 'verify') return annotation('notice', `${result.name} ${result.version}: ${result.entries} entries match the manifest; ${result.contentDigest}${Array.isArray(result.attestations) ? `; ${result.attestations.length} attestation(s) verified` : ''}`, { title: 'repro verify' });
  if (command === 'lint' && Array.isArray(result.findings)) {
    // A directory's findings point at its files; a bundle's have no file in the repository.
    const dir = typeof result.target === 'string' && result.dirTarget === true ? result.target : null;
    return result.findings
      .slice(0, 50)
      .map((f: { file: string; line: number; rule: string; why: string; fix: string }) => annotation('warning', `${f.why}. Fix: ${f.fix}`, { file: dir === null ? undefined : path.join(dir, f.file), line: dir === null ? undefined : String(f.line), title: `repro lint: ${f.rule}` }))
      .join('');
  }
  if (command === 'exec' && result.kind === 'repro-verify-run') {
    if (result.deterministic) return annotation('notice', `${result.entry}: every output identical under ${result.variations.filter((v: { notApplicable: string | null }) => v.notApplicable === null).length} variations`, { title: 'repro exec --verify: deterministic' });
    return result.outputs
      .filter((o: { verdict: string }) => o.verdict !== 'identical')
      .map((o: { path: string; verdict: string; changedBy: string[]; onlyCombined: boolean }) => annotation('error', `${o.path}: ${o.verdict === 'unstable' ? 'differs with nothing varied' : o.onlyCombined ? 'differs only with the variations combined' : `differs when ${o.changedBy.join(', ')} varies`}`, { title: 'repro exec --verify: NOT deterministic' }))
      .join('');
  }
  if (command === 'exec' && result.reproduced && !result.reproduced.reproduced) {
    return result.reproduced.outputs.filter((o: { verdict: string }) => o.verdict !== 'identical' && o.verdict !== 'equivalent' && o.verdict !== 'within-tolerance').map((o: { path: string; verdict: string }) => annotation('error', `${o.path}: ${o.verdict}`, { title: 'repro exec: NOT reproduced' })).join('');
  }
  if (command === 'diff' && Array.isArray(result.changes)) {
    return result.changes.filter((c: { severity: string }) => c.severity === 'breaking').slice(0, 20).map((c: Difference) => annotation('warning', `${differenceLine(c)} (${c.reason ?? ''})`, { title: 'repro diff: breaking' })).join('');
  }
  return '';
}

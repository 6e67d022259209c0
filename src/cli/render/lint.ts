// The text `repro lint` prints: one line per finding (file:line, the rule, why), the fix and
// the variation that would expose it under it; after exec --verify, whether it was confirmed.
import type { LintReport } from '../../exec/lint.js';
import type { LintFinding } from '../../exec/lint-rules.js';
import { inert } from '../../core/inert.js';

export function findingLines(findings: readonly LintFinding[], indent = ''): string {
  let text = '';
  for (const f of findings) {
    const status = f.status ? `  [${f.status}]` : '';
    text += `${indent}${inert(f.file)}:${f.line}  ${f.rule}  ${inert(f.why)}${status}\n`;
    text += `${indent}    fix: ${f.fix}; exposed by ${f.variation === 'control' ? 'a rerun with nothing varied' : `--vary ${f.variation}`}\n`;
  }
  return text;
}

export function renderLint(r: LintReport & { target: string }): string {
  let text = findingLines(r.findings);
  for (const u of r.unparsed) text += `${inert(u.file)}: not parsed: ${inert(u.why)}\n`;
  if (r.truncated) text += 'more Python files than repro lints: the first ones in name order were parsed\n';
  text += r.findings.length === 0 ? `${r.files} Python file${r.files === 1 ? '' : 's'}: no known source of nondeterminism\n` : `${r.findings.length} finding${r.findings.length === 1 ? '' : 's'} in ${r.files} Python file${r.files === 1 ? '' : 's'} (repro exec BUNDLE --verify confirms them)\n`;
  return text;
}

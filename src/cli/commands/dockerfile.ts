// `repro dockerfile`: print (or write) the project's pinned Dockerfile, or lint one (--check).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { fsError } from '../../core/errors.js';
import { lintDockerfile, type LintFinding } from '../../dockerfile/lint.js';
import { planDockerfile } from '../../dockerfile/plan.js';
import { parseSourceDateEpoch } from '../../intake/source-date.js';
import { loadProject } from '../../project/load.js';
import type { CliIo, CommandOutcome } from '../io.js';

export interface DockerfileFlags {
  baseImage?: string;
  output?: string;
  check?: string | boolean;
}

export async function dockerfileCommand(dir: string | undefined, flags: DockerfileFlags, io: CliIo): Promise<CommandOutcome> {
  const root = path.resolve(io.ctx.cwd, dir ?? '.');
  if (flags.check) {
    const file = path.resolve(io.ctx.cwd, typeof flags.check === 'string' ? flags.check : path.join(root, 'Dockerfile'));
    const text = await fs.readFile(file, 'utf8').catch((err) => {
      throw fsError(err, file, 'cannot read the Dockerfile');
    });
    const findings = lintDockerfile(text);
    const shown = path.relative(io.ctx.cwd, file) || file;
    return {
      result: { file, findings },
      text: findings.length === 0 ? `${shown}: no findings\n` : findings.map((f: LintFinding) => `${shown}:${f.line || '-'}  ${f.code}  ${f.message}`).join('\n') + `\n${findings.length} finding${findings.length === 1 ? '' : 's'}\n`,
      exitCode: findings.length === 0 ? 0 : 1,
    };
  }
  const project = await loadProject(root);
  const sourceDateEpoch = parseSourceDateEpoch(io.ctx.env.SOURCE_DATE_EPOCH);
  const plan = await planDockerfile({ project, sourceDateEpoch, baseImage: flags.baseImage, resolve: true }, io.ctx);
  for (const note of plan.notes) io.ctx.log.info(`dockerfile: ${note}`);
  io.ctx.log.info(`dockerfile: base image pinned from the ${plan.base.source}: ${plan.base.ref}`);
  const common = { kind: plan.kind, baseImage: plan.base.ref, digestSource: plan.base.source, lock: plan.lock, notes: plan.notes, dockerfile: plan.text };
  if (flags.output) {
    // The files the Dockerfile installs from go beside it: they are part of its build context.
    const file = path.resolve(io.ctx.cwd, flags.output);
    await fs.mkdir(path.dirname(file), { recursive: true }).catch((err) => {
      throw fsError(err, path.dirname(file), 'cannot create the output directory');
    });
    const written: string[] = [];
    for (const f of plan.files) {
      const beside = path.join(path.dirname(file), f.path);
      await writeFileAtomic(beside, f.text);
      written.push(beside);
    }
    await writeFileAtomic(file, plan.text);
    const shown = (p: string) => path.relative(io.ctx.cwd, p) || p;
    return { result: { file, files: written, ...common }, text: `wrote ${[file, ...written].map(shown).join(', ')}\n` };
  }
  for (const f of plan.files) io.ctx.log.info(`dockerfile: it installs from ${f.path}, exported from ${plan.lock}: write both with -o FILE (the export lands beside FILE), or see --json`);
  return { result: { ...common, files: plan.files }, text: plan.text };
}

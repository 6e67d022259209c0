// What a bundle's own Dockerfile would make the engine fetch from elsewhere while it builds the
// image at exec: ADD of a URL or a git repository (the daemon fetches it even when the build
// network is `none`: a beacon, or a request from the engine's host to wherever the bundle's
// author points it), and COPY/ADD --from= an image rather than an earlier stage. repro's own
// Dockerfiles have none; a bundle carrying one was crafted, and is refused before any build.
import { parseDockerfile } from './lint.js';

export interface DockerfileFetch {
  line: number;
  instruction: string;
  source: string;
}

const REMOTE = /^(https?|ftp|git|ssh):\/\/|^git@|\.git(#.*)?$/i;

export function dockerfileFetches(text: string): DockerfileFetch[] {
  const out: DockerfileFetch[] = [];
  const stages = new Set<string>();
  let stage = 0;
  for (const ins of parseDockerfile(text)) {
    const words = ins.args.split(/\s+/).filter(Boolean);
    if (ins.keyword === 'FROM') {
      const as = words.findIndex((w) => w.toLowerCase() === 'as');
      if (as >= 0 && words[as + 1]) stages.add(words[as + 1]!.toLowerCase());
      stages.add(String(stage++));
      continue;
    }
    if (ins.keyword !== 'ADD' && ins.keyword !== 'COPY') continue;
    const from = words.find((w) => w.toLowerCase().startsWith('--from='));
    if (from && !stages.has(from.slice('--from='.length).toLowerCase())) out.push({ line: ins.line, instruction: ins.keyword, source: from.slice('--from='.length) });
    const paths = words.filter((w) => !w.startsWith('--'));
    if (ins.keyword === 'ADD') for (const src of paths.slice(0, -1)) if (REMOTE.test(src.replace(/^\[?"|",?$|"\]$/g, ''))) out.push({ line: ins.line, instruction: 'ADD', source: src });
  }
  return out;
}

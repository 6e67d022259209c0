// bench/RESULTS.md holds the latest figures of each bench, newest first, one section per bench;
// earlier runs are in its git history. A section starts with a marker line naming its bench,
// so a new run replaces that bench's section and moves it to the top.
import { readFileSync, writeFileSync } from 'node:fs';

const MARKER = /^<!-- bench: ([a-z-]+) -->$/;

/** Splits RESULTS.md into its preamble and its sections, in file order. */
export function parseResults(text) {
  const lines = text.split('\n');
  const preamble = [];
  const sections = [];
  for (const line of lines) {
    const m = MARKER.exec(line);
    if (m) sections.push({ bench: m[1], lines: [line] });
    else if (sections.length) sections[sections.length - 1].lines.push(line);
    else preamble.push(line);
  }
  return { preamble, sections };
}

/** The file with `fresh` sections ({ bench, lines }) at the top and older runs of those benches removed. */
export function mergeResults(text, fresh) {
  const { preamble, sections } = parseResults(text);
  const replaced = new Set(fresh.map((s) => s.bench));
  const trim = (ls) => {
    const out = [...ls];
    while (out.length && out[out.length - 1] === '') out.pop();
    return out;
  };
  const body = [...fresh.map((s) => [`<!-- bench: ${s.bench} -->`, ...trim(s.lines)]), ...sections.filter((s) => !replaced.has(s.bench)).map((s) => trim(s.lines))];
  return `${trim(preamble).join('\n')}\n\n${body.map((ls) => ls.join('\n')).join('\n\n')}\n`;
}

export function recordResults(file, fresh) {
  writeFileSync(file, mergeResults(readFileSync(file, 'utf8'), fresh));
}

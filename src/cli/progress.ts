// A progress bar on stderr for work that lasts longer than a second, shown only when stderr is
// a terminal (never in CI logs, pipes or --json runs). Backed by cli-progress.
import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import type { ProgressReporter } from '../core/context.js';
import { formatBytes } from './render/text.js';

// cli-progress loads only when a bar is actually shown.
const require = createRequire(import.meta.url);

const DELAY_MS = 1000;

export function terminalProgress(stream: NodeJS.WriteStream): ProgressReporter {
  let bar: SingleBar | undefined;
  let timer: NodeJS.Timeout | undefined;
  let label = '';
  let total = 0;
  let value = 0;
  let inBytes = true;
  const shown = (v: number) => (inBytes ? formatBytes(v) : String(v));
  const show = () => {
    const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
    bar = new SingleBar(
      {
        stream,
        format: `${label.padEnd(10)} [{bar}] {percentage}% | {value_h}/{total_h}`,
        formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? shown(v) : String(v)),
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    bar.start(total, value, { value_h: shown(value), total_h: shown(total) });
  };
  return {
    start(l, t, unit = 'bytes') {
      label = l;
      total = t;
      inBytes = unit === 'bytes';
      value = 0;
      timer = setTimeout(show, DELAY_MS);
      timer.unref();
    },
    tick(n) {
      value += n;
      bar?.update(value, { value_h: shown(value), total_h: shown(total) });
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      bar?.stop();
      bar = undefined;
    },
  };
}

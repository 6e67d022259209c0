// One measurement for bench/unpack.mjs: the given wheels unpacked at once by a repro build's
// unpackWheel (argv[2]: its dist/ folder; argv[3]: a folder to unpack into; the rest: wheels), as
// exec's locked environment unpacks four at a time. GNU time around this process reads its peak.
// The V8 flags are the ones that build's CLI sets on itself at start-up (cli/v8-flags.js; a
// build older than that module set only the young generation's bound), so the figure is what
// `repro exec` does, not what a bare node does.
import { existsSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';

const [dist, out, ...wheels] = process.argv.slice(2);
const flagsModule = path.resolve(dist, 'cli', 'v8-flags.js');
const flags = existsSync(flagsModule) ? (await import(flagsModule)).v8Flags(process.env, process.execArgv) : ['--semi-space-growth-factor=1'];
for (const flag of flags) v8.setFlagsFromString(flag);
const { unpackWheel } = await import(path.resolve(dist, 'wheel', 'unpack.js'));
await Promise.all(wheels.map((w, i) => unpackWheel(w, path.basename(w), path.join(out, String(i)))));

// One measurement for bench/unpack.mjs: the given wheels unpacked at once by a repro build's
// unpackWheel (argv[2]: its dist/ folder; argv[3]: a folder to unpack into; the rest: wheels), as
// exec's locked environment unpacks four at a time. GNU time around this process reads its peak.
import path from 'node:path';

const [dist, out, ...wheels] = process.argv.slice(2);
const { unpackWheel } = await import(path.resolve(dist, 'wheel', 'unpack.js'));
await Promise.all(wheels.map((w, i) => unpackWheel(w, path.basename(w), path.join(out, String(i)))));

// exec's first extraction on its own, for the bundle bench: `node bench/extract.mjs DIST BUNDLE
// CACHE` verifies BUNDLE while extracting it into the empty bundle cache CACHE, with the code
// `repro exec` runs on a bundle it has not seen (DIST/exec/extract.js), and nothing else.
// (A file, not `node --input-type=module -e`: there the call never settled, and Node ended the
// process with its "unsettled top-level await" warning; from a file it does.)
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, bundle, cache] = process.argv.slice(2);
const { extractVerified } = await import(pathToFileURL(path.join(dist, 'exec', 'extract.js')).href);
const extracted = await extractVerified(bundle, cache);
if (!extracted.dir) process.exit(1);

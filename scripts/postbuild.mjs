// Makes the built CLI executable (tsc does not set modes).
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/cli/bin.js', import.meta.url), 0o755);

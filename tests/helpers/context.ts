// A Context for calling src/ directly in tests: every piece pinned (cwd, env, clock, logs,
// progress) unless the test overrides it.
import { noProgress, silentLogger, type Context } from '../../src/core/context.js';

export function testContext(overrides: Partial<Context> = {}): Context {
  return {
    cwd: overrides.cwd ?? '/',
    env: overrides.env ?? {},
    now: overrides.now ?? (() => new Date(0)),
    log: overrides.log ?? silentLogger,
    progress: overrides.progress ?? noProgress,
  };
}

// The machine needs of a snapshot's locks (snapshot/lock-needs.ts) as differences: what b's
// machine lacks that a lock of b needs, judged against whether a's machine had it.
import type { SnapshotIdentity } from '../snapshot/snapshot.js';
import { lockNeeds } from '../snapshot/lock-needs.js';
import { change, type Change } from './change.js';

/**
 * The needs of b's locks that b's machine does not meet: breaking when a's machine met them (or
 * a's snapshot did not have the lock), info when a's did not either (its run did not install
 * that lock's packages for this platform, so nothing changed).
 */
export function diffLockNeeds(a: Pick<SnapshotIdentity, 'os' | 'gpu' | 'lockfiles'>, b: Pick<SnapshotIdentity, 'os' | 'gpu' | 'lockfiles'>): Change[] {
  const out: Change[] = [];
  for (const lock of b.lockfiles) {
    if (!lock.platforms || lock.platforms.length === 0) continue;
    const now = lockNeeds(lock, b);
    const before = lockNeeds(lock, a);
    if (now.missingPlatform) {
      const locked = lock.platforms.map((p) => p.name).join(', ');
      const severity = before.missingPlatform ? 'info' : 'breaking';
      out.push(change('lockfiles', `${lock.path}:platform`, before.subdir, now.subdir, severity, `the lock has no packages for ${now.subdir ?? `${b.os.platform}/${b.os.arch}`} (it locks ${locked})${severity === 'info' ? '; neither machine is one it locks' : ''}`));
      continue;
    }
    const failedBefore = new Set(before.unmet.map(([spec]) => spec));
    for (const [spec, why] of now.unmet) {
      const severity = failedBefore.has(spec) ? 'info' : 'breaking';
      out.push(change('lockfiles', `${lock.path}:${now.platform}:${spec.split('=')[0]}`, spec, null, severity, `${now.platform} was locked for ${spec}: ${why}${severity === 'info' ? ' (nor did the snapshot\'s machine)' : ''}`));
    }
  }
  return out;
}

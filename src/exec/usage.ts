// What a local run used, for its record: CPU time and peak memory of the entry point's whole
// process tree. Unconfined, CPU time is exact: the kernel adds every reaped descendant's user and
// system time to its parent, so the growth of this process's cutime+cstime (/proc/self/stat) over
// the run is the tree's, as long as no other child of this process ended meanwhile (a sweep
// running points side by side). Through bubblewrap those times do not reach this process (its
// pid namespace's init reaps them), so they are sampled instead: every SAMPLE_MS, each process of
// the tree (found by parent pid, across bubblewrap's namespaces) is read, and the last user+system
// time seen of each is added up (a process shorter than SAMPLE_MS, and each one's last slice, can
// be missed: the record says "sampled"). Peak memory is the largest VmHWM seen, sampled alike.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc's times, 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;
export const SAMPLE_MS = 200;

export interface RunUsage {
  /** User + system CPU seconds of the entry point and every process it started; null when not measurable here. */
  cpuSeconds: number | null;
  /** The largest resident set of any one of its processes, sampled every SAMPLE_MS; null when not measured. */
  peakRssBytes: number | null;
  /** How the figures were taken (or why not). */
  method: string;
}

function childrenTicks(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after ")": state(3) ppid(4) ... cutime is field 16, cstime 17 (1-based over the whole line)
    return Number(fields[13]) + Number(fields[14]);
  } catch {
    return null;
  }
}

/** pid -> ppid for every process this user can see. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** utime + stime of one process, in ticks (0 once it is gone). */
function ownTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

function hwmBytes(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

let active = 0;

/** Starts measuring the tree under `pid`; stop() gives the figures once the run has ended. */
export function measureUsage(pid: number | undefined): { stop: () => RunUsage } {
  const before = childrenTicks();
  let peak = 0;
  const ticks = new Map<number, number>();
  let shared = ++active > 1;
  const sample = () => {
    if (pid === undefined) return;
    shared ||= active > 1;
    const tree = new Set([pid]);
    const all = parents();
    for (let grew = true; grew; ) {
      grew = false;
      for (const [p, pp] of all) if (!tree.has(p) && tree.has(pp)) (tree.add(p), (grew = true));
    }
    for (const p of tree) {
      peak = Math.max(peak, hwmBytes(p));
      const t = ownTicks(p);
      if (t > 0) ticks.set(p, Math.max(t, ticks.get(p) ?? 0));
    }
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  timer.unref();
  let stopped: RunUsage | null = null;
  return {
    stop: () => {
      if (stopped) return stopped;
      clearInterval(timer);
      active--;
      const after = childrenTicks();
      const exact = before === null || after === null || shared ? null : (after - before) / USER_HZ;
      let sampled = 0;
      for (const t of ticks.values()) sampled += t;
      sampled /= USER_HZ;
      const useExact = exact !== null && exact > 0 && exact >= sampled;
      const cpu = useExact ? exact : ticks.size > 0 ? sampled : null;
      stopped = {
        cpuSeconds: cpu === null ? null : Math.round(cpu * 100) / 100,
        peakRssBytes: pid === undefined || peak === 0 ? null : peak,
        method: `cpu: ${useExact ? 'children times of the reaped tree (exact)' : cpu !== null ? `sampled every ${SAMPLE_MS} ms (a lower bound)` : 'unavailable (no /proc)'}; memory: largest VmHWM of the tree, sampled every ${SAMPLE_MS} ms`,
      };
      return stopped;
    },
  };
}

// Watches the engine's "kill" events for one container. repro itself never signals a running
// container except when the user interrupts it, so a kill means the run was stopped from
// outside: `docker stop` or `docker kill`, or the engine shutting down, which stops every
// container (signal 15, then 9) and still reports the exit status as if the run had ended.
import type Docker from 'dockerode';
import { within } from './connection.js';

export interface KillWatch {
  /** Signals the engine sent the container, in order ("15", "9"). */
  signals: string[];
  close(): void;
}

export async function watchKills(docker: Docker, id: string, limit: number): Promise<KillWatch> {
  const stream = (await within(limit, 'watch the container\'s events', docker.getEvents({ filters: { container: [id], event: ['kill'] } }))) as NodeJS.ReadableStream & { destroy?: () => void };
  const signals: string[] = [];
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const event = JSON.parse(line) as { Action?: string; Actor?: { Attributes?: { signal?: string } } };
        if (event.Action === 'kill') signals.push(event.Actor?.Attributes?.signal ?? '?');
      } catch {
        // not an event: ignored
      }
    }
  });
  stream.on('error', () => {}); // the engine going away ends the stream; the run's watchdog reports that
  return { signals, close: () => stream.destroy?.() };
}

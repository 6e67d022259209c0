// squeue's output, as Slurm 22.05 prints it for the QUEUE_FORMAT fields, read task by task.
import { describe, expect, it } from 'vitest';
import { parseQueue, parseTaskRange } from '../../../src/slurm/queue.js';
import { parseDuration } from '../../../src/slurm/resources.js';

describe('parseTaskRange', () => {
  it('reads the ranges squeue prints for tasks that have not started', () => {
    expect(parseTaskRange('N/A', 0)).toEqual([0]);
    expect(parseTaskRange('7', 9)).toEqual([7]);
    expect(parseTaskRange('0-5%2', 9)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(parseTaskRange('[2-5%2]', 9)).toEqual([2, 3, 4, 5]);
    expect(parseTaskRange('[0,3-4]', 9)).toEqual([0, 3, 4]);
    expect(parseTaskRange('0-8:4', 9)).toEqual([0, 4, 8]);
    expect(parseTaskRange('0-99999', 3)).toEqual([0, 1, 2, 3]); // never more tasks than the job has
    expect(() => parseTaskRange('x', 3)).toThrow(/cannot read/);
  });
});

describe('parseQueue', () => {
  it('reads started tasks one per line and a pending range as many', () => {
    // captured from squeue 22.05 on the test cluster while a 6-task array ran two at a time
    const text = '8|2-5%2|PENDING|JobArrayTaskLimit||0\n8|1|RUNNING|None|repro-node1|0\n8|0|COMPLETED|None|repro-node1|0';
    const q = parseQueue(text, 6);
    expect([...q.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(q.get(0)).toEqual({ task: 0, state: 'COMPLETED', reason: null, node: 'repro-node1', exitCode: 0 });
    expect(q.get(4)).toEqual({ task: 4, state: 'PENDING', reason: 'JobArrayTaskLimit', node: null, exitCode: 0 });
  });

  it('reads a job without an array as task 0, and the exit status before a signal', () => {
    expect(parseQueue('12|N/A|TIMEOUT|TimeLimit|repro-node1|0:15', 1).get(0)).toEqual({ task: 0, state: 'TIMEOUT', reason: 'TimeLimit', node: 'repro-node1', exitCode: 0 });
    expect(parseQueue('12|N/A|CANCELLED by 0|None||1', 1).get(0)!.state).toBe('CANCELLED');
  });
});

describe('parseDuration', () => {
  it('reads seconds, minutes and hours, and refuses the rest', () => {
    expect(parseDuration('--queue-timeout', '90')).toBe(90_000);
    expect(parseDuration('--queue-timeout', '1.5s')).toBe(1500);
    expect(parseDuration('--queue-timeout', '10m')).toBe(600_000);
    expect(parseDuration('--queue-timeout', '2h')).toBe(7_200_000);
    expect(parseDuration('--queue-timeout', undefined)).toBeNull();
    for (const bad of ['', '0', '-1', '10 m', '1d']) expect(() => parseDuration('--queue-timeout', bad)).toThrow(/duration/);
  });
});

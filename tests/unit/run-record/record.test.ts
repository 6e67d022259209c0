// The run record is read back from run directories and from bundles (the reference run): a
// file of another kind, of an unknown schema version or not JSON is refused with a coded error.
import { describe, expect, it } from 'vitest';
import { parseRunRecord, RUN_SCHEMA_VERSION } from '../../../src/run-record/record.js';

const RECORD = { schemaVersion: RUN_SCHEMA_VERSION, kind: 'repro-run', runId: 'r', outputs: [] };

describe('parseRunRecord', () => {
  it('reads a record of this schema version', () => {
    expect(parseRunRecord(JSON.stringify(RECORD), 'run.json')).toMatchObject({ runId: 'r' });
  });

  it.each([
    ['not JSON', '{"kind":', 'E_INPUT'],
    ['another kind of document', JSON.stringify({ ...RECORD, kind: 'repro-bundle' }), 'E_INPUT'],
    ['no kind', JSON.stringify({ schemaVersion: 1 }), 'E_INPUT'],
    ['a newer schema version', JSON.stringify({ ...RECORD, schemaVersion: RUN_SCHEMA_VERSION + 1 }), 'E_SCHEMA_VERSION'],
    ['JSON null', 'null', 'E_INPUT'],
  ])('%s is refused', (_name, text, code) => {
    expect(() => parseRunRecord(text, 'run.json')).toThrow(expect.objectContaining({ code }));
  });
});

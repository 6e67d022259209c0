// Redaction of what a run record keeps (secrets/values.ts): by name, by value in every spelling
// the shell gave it, and by shape (issue 27, finding 7).
import { describe, expect, it } from 'vitest';
import { shlexQuote } from '../../../src/project/python-format.js';
import { renderCommand } from '../../../src/project/render.js';
import { readReproYaml } from '../../../src/project/read-repro-yaml.js';
import { redactEnvironment, redactParameters, redactText, REDACTED } from '../../../src/secrets/values.js';

const manifest = readReproYaml('name: r\nversion: 1.0.0\nentry_points:\n  main:\n    command: "python t.py {api_token} {db} {note}"\n    parameters:\n      api_token: {type: string, default: x}\n      db: {type: string, default: x}\n      note: {type: string, default: x}\n');

function record(params: Array<[string, string]>) {
  const r = renderCommand(manifest.entryPoints.main!, params, { rules: 'repro', callerDir: '/' });
  const { parameters, secrets } = redactParameters(r.parameters);
  return { parameters, command: redactText(r.command, secrets, shlexQuote), raw: r.command };
}

describe('redaction by value (issue 27, finding 7)', () => {
  it("attack: a secret parameter with a ' in it is redacted in the command too, not only in parameters", () => {
    const secret = "p4ss'word-with-quote";
    const r = record([['api_token', secret]]);
    expect(r.raw).toContain(shlexQuote(secret)); // the shell's spelling: not the raw value
    expect(r.parameters.api_token).toBe(REDACTED);
    expect(r.command).not.toContain('p4ss');
    expect(r.command).not.toContain('word-with-quote');
  });

  it("attack: a URL password with a ' in it is cut from parameters and command, under an ordinary name", () => {
    const r = record([['db', "postgres://admin:s3c'ret@db.internal/prod"]]);
    expect(r.parameters.db).toBe(REDACTED);
    expect(r.command).not.toContain('s3c');
  });

  it.each([
    ['a Hugging Face token', 'hf_abcdefghijklmnopqrstuvwxyzABCD'],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['an OpenAI key', 'sk-abcdefghijklmnopqrstuvwxyz012345'],
  ])('attack: %s under an ordinary name (note) is redacted everywhere', (_what, token) => {
    const r = record([['note', token]]);
    expect(r.parameters.note).toBe(REDACTED);
    expect(r.command).not.toContain(token);
    expect(redactEnvironment({ NOTE: token, PATH: '/usr/bin' })).toEqual({ NOTE: REDACTED, PATH: '/usr/bin' });
  });

  it('ordinary values stay as they are; a cleanly cut URL keeps its host', () => {
    const r = record([['note', 'learning-rate-0.1'], ['db', 'postgres://u:pw@db/x']]);
    expect(r.parameters).toMatchObject({ note: 'learning-rate-0.1', db: 'postgres://db/x' });
    expect(r.command).toContain('learning-rate-0.1');
  });
});

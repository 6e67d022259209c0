// The odd-locale pass skips the files vitest.odd-locale.config.ts calls locale-blind. This keeps
// that list honest: every file it names exists (a renamed test would otherwise run in neither
// list's sense), no unit test is skipped, and no listed file sets or reads a locale or time zone,
// which would mean it tests what the pass is for.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCALE_BLIND } from '../../vitest.odd-locale.config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Lines (comments left out) that set or read a locale or time zone; forcing LC_ALL=C in a test's script keeps messages English and counts as neither. */
export function localeMentions(text: string): string[] {
  return text
    .split('\n')
    .map((line, i) => [i + 1, line.replace(/\/\/.*$/, '')] as const)
    .filter(([, code]) => /\b(?:LC_[A-Z]+|LANG|LANGUAGE)\b(?!=C\b)|\bTZ\b|locale|time ?zone|Pacific\/|toLocale|Intl\./i.test(code))
    .map(([n, code]) => `${n}: ${code.trim()}`);
}

describe('the odd-locale pass', () => {
  it('every locale-blind file exists, is no unit test, and gives a reason', () => {
    for (const [file, why] of Object.entries(LOCALE_BLIND)) {
      expect(existsSync(path.join(ROOT, file)), file).toBe(true);
      expect(file.startsWith('tests/unit/'), file).toBe(false);
      expect(why.length, file).toBeGreaterThan(10);
    }
  });

  it('no locale-blind file sets or reads a locale or time zone', () => {
    const found = Object.keys(LOCALE_BLIND).flatMap((file) => localeMentions(readFileSync(path.join(ROOT, file), 'utf8')).map((m) => `${file}:${m}`));
    expect(found).toEqual([]);
  });

  it('the check itself: a zone, a locale or Intl is named; LC_ALL=C and comments are not', () => {
    expect(localeMentions("env: { TZ: 'Asia/Tokyo' }\nexport LC_ALL=C && ls\n// the odd-locale pass\nLANG=sk_SK.UTF-8 run\nnew Intl.DateTimeFormat('en-US')")).toEqual(["1: env: { TZ: 'Asia/Tokyo' }", '4: LANG=sk_SK.UTF-8 run', "5: new Intl.DateTimeFormat('en-US')"]);
  });
});

// Orders strings by their UTF-8 bytes (the same as by code point), never by locale or by
// UTF-16 code units, so that sort order is identical on every machine and in every language.

export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Below the surrogate range UTF-16 order equals code point order.
    if (x < 0xd800 && y < 0xd800) return x - y;
    return compareCodePointsFrom(a, b, i);
  }
  return a.length - b.length;
}

function compareCodePointsFrom(a: string, b: string, start: number): number {
  let i = start;
  let j = start;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return (a.length - i) - (b.length - j);
}

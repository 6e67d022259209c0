// "Did you mean …?": the declared name nearest a misspelt one (optimal string alignment
// distance: insertions, deletions, substitutions and one swap of neighbours each cost 1), so a
// typo is refused with the name the user meant instead of silently doing something else.

/** The optimal string alignment distance between a and b (Damerau-Levenshtein without reuse). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate nearest `name`, when it is near enough to be a typo (at most a third of the
 * longer name's length, at least 1, as commander's suggestions do); null otherwise. Case is
 * ignored for the distance; ties go to the first candidate given.
 */
export function nearestName(name: string, candidates: readonly string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const c of candidates) {
    const distance = editDistance(name.toLowerCase(), c.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(name.length, c.length) / 3));
    if (distance <= limit && (best === null || distance < best.distance)) best = { name: c, distance };
  }
  return best?.name ?? null;
}

/** Longer inputs get no suggestion: no known key or id is that long, and a pasted credential might be. */
const MAX_INPUT = 64;

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions, so "nmae" is one edit
 * from "name"), with two rolling rows.
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `input` ignoring case ("did you mean …?"), when it is close enough: at most
 * one edit for every three characters (one at least, three at most). An exact match is no suggestion;
 * a tie goes to the earlier candidate.
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  if (input.length === 0 || input.length > MAX_INPUT) return undefined;
  const wanted = input.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(input.length / 3)));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === input || Math.abs(candidate.length - input.length) > limit) continue;
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

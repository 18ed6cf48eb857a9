/** "Did you mean": the known name closest to a misspelt one (Levenshtein distance, via leven). */
import leven from "leven";

/**
 * Returns the candidate closest to `input` when it is close enough to be a likely typo (at most a
 * third of the longer name differs, case ignored), else undefined.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let distance = Infinity;
  const wanted = input.toLowerCase();
  for (const candidate of candidates) {
    const d = leven(wanted, candidate.toLowerCase());
    if (d < distance) {
      best = candidate;
      distance = d;
    }
  }
  if (best === undefined) return undefined;
  return distance <= Math.max(1, Math.floor(Math.max(input.length, best.length) / 3)) ? best : undefined;
}

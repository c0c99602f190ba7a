/** A fraction, or null when the denominator is 0 (CONTRACT §5). */
export const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;

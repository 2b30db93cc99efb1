/**
 * Strict number reading shared by the parsers. `Number()` is too lenient for /proc text: it takes
 * "" and " " as 0, and accepts "0x1f", "1e3" and "Infinity", so a truncated or garbled field would
 * pass as a plausible value.
 */

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const DIGIT_0 = 48;
const MINUS = 45;

/**
 * The decimal integer in `text[start, stop)`, optionally negative. A number when it fits in
 * ±(2^53−1), else a bigint (RLIM_INFINITY, INT64 limits); undefined when it is not an integer.
 * Works on a slice of a larger string so the hot stat parser allocates nothing per field.
 */
export function intAt(text: string, start: number, stop: number): number | bigint | undefined {
  let i = start;
  const negative = text.charCodeAt(i) === MINUS;
  if (negative) i++;
  if (i >= stop) return undefined;
  // Up to 15 digits always fits in a double exactly.
  if (stop - i <= 15) {
    let n = 0;
    for (; i < stop; i++) {
      const d = text.charCodeAt(i) - DIGIT_0;
      if (d < 0 || d > 9) return undefined;
      n = n * 10 + d;
    }
    // 0 - n rather than -n, so that "-0" gives 0 and not -0.
    return negative ? 0 - n : n;
  }
  for (; i < stop; i++) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return undefined;
  }
  const big = BigInt(text.slice(start, stop));
  return big >= MIN_SAFE && big <= MAX_SAFE ? Number(big) : big;
}

/** A whole token as a decimal integer (number or, beyond 2^53, bigint); undefined if it is not one. */
export function wideInt(token: string): number | bigint | undefined {
  return intAt(token, 0, token.length);
}

/** A whole token as a decimal integer within ±(2^53−1); undefined otherwise. */
export function safeInt(token: string): number | undefined {
  const n = intAt(token, 0, token.length);
  return typeof n === 'number' ? n : undefined;
}

const DECIMAL = /^\d+(?:\.\d+)?$/;

/** A non-negative decimal such as "0.10" or "3" (load averages, PSI percentages); undefined otherwise. */
export function unsignedDecimal(token: string): number | undefined {
  return DECIMAL.test(token) ? Number(token) : undefined;
}

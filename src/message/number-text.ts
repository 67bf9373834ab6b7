/**
 * JSON numbers read from and written to bytes directly, with exactly the results of `JSON.parse` /
 * `Number(text)` and `JSON.stringify(v)` / `String(v)`. AVERAGE_COMBINER uses these to average a
 * 1 MB tensor without building 52,000 boxed numbers and strings.
 *
 * Each function takes a fast path only where the result is provably the correctly rounded one (every
 * step is a single IEEE operation on exact operands, or an exact double-double comparison), and
 * otherwise hands the text to the engine's own `Number` / `String`. The unit tests compare both
 * against the engine on millions of values.
 */

/** 10^0 .. 10^22: every one is exactly a double (5^22 < 2^53). */
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);
const TWO53 = 2 ** 53;

/** A byte position that a reader advances. */
export interface Cursor {
  pos: number;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** ASCII codes used below. */
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/**
 * Reads the JSON number (RFC 8259 grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) at
 * `cursor.pos` and moves the cursor past it. Returns NaN, leaving the cursor where it was, when the
 * bytes there are not a JSON number (NaN is never the value of one). The value is exactly what
 * `JSON.parse` gives for that text, including -0 and Infinity for out-of-range exponents.
 */
export function readJsonNumber(bytes: Uint8Array, cursor: Cursor): number {
  // The common case, [-]digits[.digits] with at most 2^53 in all its digits and no exponent, in one
  // tight loop; anything else is re-read by the general reader below.
  const len = bytes.length;
  let i = cursor.pos;
  let c = i < len ? (bytes[i] as number) : -1;
  const negative = c === MINUS;
  if (negative) c = ++i < len ? (bytes[i] as number) : -1;
  let m = 0;
  if (c > ZERO && c <= NINE) {
    do {
      m = m * 10 + (c - ZERO);
      c = ++i < len ? (bytes[i] as number) : -1;
    } while (c >= ZERO && c <= NINE);
  } else if (c === ZERO) {
    c = ++i < len ? (bytes[i] as number) : -1;
  } else {
    return Number.NaN;
  }
  let fractionDigits = 0;
  if (c === DOT) {
    c = ++i < len ? (bytes[i] as number) : -1;
    while (c >= ZERO && c <= NINE) {
      m = m * 10 + (c - ZERO);
      fractionDigits++;
      c = ++i < len ? (bytes[i] as number) : -1;
    }
  }
  // m only grows, so m < 2^53 means every step was exact; then one division by an exact power of ten
  // is correctly rounded (Clinger).
  if (m >= TWO53 || fractionDigits > 22 || c === LOWER_E || c === UPPER_E || (c >= ZERO && c <= NINE)) {
    return readGeneral(bytes, cursor);
  }
  if (fractionDigits === 0 && (bytes[i - 1] as number) === DOT) return Number.NaN; // "1." is no number
  if (fractionDigits === 0 && c === DOT) return Number.NaN;
  cursor.pos = i;
  const v = fractionDigits === 0 ? m : m / (POW10[fractionDigits] as number);
  return negative ? -v : v;
}

/** readJsonNumber for any number. */
function readGeneral(bytes: Uint8Array, cursor: Cursor): number {
  const start = cursor.pos;
  const len = bytes.length;
  let i = start;
  let c = i < len ? (bytes[i] as number) : -1;
  const negative = c === MINUS;
  if (negative) c = ++i < len ? (bytes[i] as number) : -1;
  if (!(c >= ZERO && c <= NINE)) return Number.NaN;
  // "0" cannot be followed by more integer digits.
  if (c === ZERO && i + 1 < len && (bytes[i + 1] as number) >= ZERO && (bytes[i + 1] as number) <= NINE) return Number.NaN;

  // The significant digits, as head * 10^tailDigits + tail: head takes the first 15 (< 10^15, always
  // exact), tail up to 2 more; more than 17 goes to the slow path. The value is that * 10^scale.
  let head = 0;
  let tail = 0;
  let tailDigits = 0;
  let digits = 0;
  let scale = 0;
  // Zeros after a significant digit are held back until a non-zero digit follows, so trailing zeros
  // ("1.500", "1200") cost no digits. (Plain loops, no closures: this runs once per tensor value.)
  let heldZeros = 0;
  let heldFractionZeros = 0;
  let inFraction = false;
  for (;;) {
    if (c >= ZERO && c <= NINE) {
      const d = c - ZERO;
      if (d === 0) {
        if (digits === 0) {
          if (inFraction) scale--; // a leading zero, as in 0.000123
        } else {
          heldZeros++;
          if (inFraction) heldFractionZeros++;
        }
      } else {
        // Take in the held zeros, then d.
        for (let z = heldZeros; z >= 0; z--) {
          const digit = z === 0 ? d : 0;
          if (digits < 15) head = head * 10 + digit;
          else if (digits < 17) {
            tail = tail * 10 + digit;
            tailDigits++;
          }
          digits++;
        }
        scale -= heldFractionZeros + (inFraction ? 1 : 0);
        heldZeros = 0;
        heldFractionZeros = 0;
      }
    } else if (c === DOT && !inFraction) {
      inFraction = true;
      const next = i + 1 < len ? (bytes[i + 1] as number) : -1;
      if (!(next >= ZERO && next <= NINE)) return Number.NaN;
    } else {
      break;
    }
    c = ++i < len ? (bytes[i] as number) : -1;
  }
  // Zeros still held are trailing: whole-number ones scale the value up, fraction ones vanish.
  scale += heldZeros - heldFractionZeros;

  if (c === LOWER_E || c === UPPER_E) {
    c = ++i < len ? (bytes[i] as number) : -1;
    let expNegative = false;
    if (c === MINUS || c === PLUS) {
      expNegative = c === MINUS;
      c = ++i < len ? (bytes[i] as number) : -1;
    }
    if (!(c >= ZERO && c <= NINE)) return Number.NaN;
    let exp = 0;
    do {
      // Capped: past 10^±100000 the value is 0 or Infinity, which the slow path computes.
      if (exp < 100_000) exp = exp * 10 + (c - ZERO);
      c = ++i < len ? (bytes[i] as number) : -1;
    } while (c >= ZERO && c <= NINE);
    scale += expNegative ? -exp : exp;
  }
  cursor.pos = i;

  if (digits === 0) return negative ? -0 : 0;
  const magnitude = digits > 17 ? Number.NaN : decimalToDouble(head, tail, tailDigits, scale);
  if (Number.isNaN(magnitude)) return Number(latin1(bytes, start, i));
  return negative ? -magnitude : magnitude;
}

/**
 * The double nearest (head * 10^tailDigits + tail) * 10^scale, or NaN when this cannot be computed
 * exactly here.
 */
function decimalToDouble(head: number, tail: number, tailDigits: number, scale: number): number {
  let m = head;
  if (tailDigits > 0) {
    m = head * (POW10[tailDigits] as number) + tail;
    if (m >= TWO53) return scale <= 0 && scale >= -19 ? nearestQuotient(head, tail, tailDigits, -scale) : Number.NaN;
  }
  // Clinger's fast path: m and 10^|scale| are exact, so one correctly rounded operation is exact.
  if (scale >= 0 && scale <= 22) return m * (POW10[scale] as number);
  if (scale < 0 && scale >= -22) return m / (POW10[-scale] as number);
  return Number.NaN;
}

/**
 * The double nearest m / 10^k for a 16- or 17-digit m = head * 10^tailDigits + tail above 2^53
 * (so m itself is not a double), k <= 19. An estimate within two ulps is corrected by comparing m
 * exactly against the scaled midpoints between neighbouring doubles (see `compareWithMidpoint`).
 */
function nearestQuotient(head: number, tail: number, tailDigits: number, k: number): number {
  const p = POW10[k] as number;
  // m = a1 + a2 exactly.
  const a1 = twoProduct(head, POW10[tailDigits] as number);
  const a2 = (PRODUCT_ERROR[0] as number) + tail;
  let y = (a1 + a2) / p;
  for (let step = 0; step < 4; step++) {
    const above = compareWithMidpoint(a1, a2, y, ulpAbove(y) / 2, p);
    if (above > 0 || (above === 0 && isOdd(y))) {
      y += ulpAbove(y);
      continue;
    }
    const below = compareWithMidpoint(a1, a2, y, -gapBelow(y) / 2, p);
    if (below < 0 || (below === 0 && isOdd(y))) {
      y -= gapBelow(y);
      continue;
    }
    return y;
  }
  return Number.NaN;
}

/**
 * The sign of (a1 + a2) - (y + h) * p, computed exactly. y * p = b1 + b2 exactly (twoProduct), and
 * h * p is exact (h is a power of two, p a power of ten <= 10^19). a1 and b1 are within a factor of
 * two of each other, so a1 - b1 is exact (Sterbenz); every remaining term is a multiple of
 * 2^(exponent(y) + k - 1) below 2^7, which for k <= 19 keeps each partial sum exact.
 */
function compareWithMidpoint(a1: number, a2: number, y: number, h: number, p: number): number {
  const b1 = twoProduct(y, p);
  const b2 = (PRODUCT_ERROR[0] as number);
  const d = a1 - b1 + a2 - b2 - h * p;
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

/** `Number(text)` of an ASCII slice (a number's text is ASCII). */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

// ---------------------------------------------------------------------------------------------
// Exact arithmetic helpers

/**
 * The low part of the last twoProduct. A typed-array slot: a module-level `let` holding a double
 * would allocate a heap number on every store.
 */
const PRODUCT_ERROR = new Float64Array(1);

/** Veltkamp's splitter for Dekker's product: 2^27 + 1. */
const SPLITTER = 134_217_729;

/**
 * Returns fl(a * b) and leaves in `PRODUCT_ERROR[0]` the exact remainder, so a * b = result +
 * (PRODUCT_ERROR[0] as number) exactly (Dekker; valid while nothing overflows or underflows, true for the ranges
 * used here).
 */
function twoProduct(a: number, b: number): number {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  PRODUCT_ERROR[0] = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

// Bit access to doubles, for ulps and parity.
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

/** 2^e for -1022 <= e <= 1023, built from its bits (Math.pow is far slower). */
function pow2(e: number): number {
  U32[HI] = (e + 1023) << 20;
  U32[LO] = 0;
  return F64[0] as number;
}

/** The exponent of y's last significand bit: y = significand * 2^lastBitExponent (positive normal y). */
function lastBitExponent(y: number): number {
  F64[0] = y;
  return (((U32[HI] as number) >>> 20) & 0x7ff) - 1075;
}

/** True when y (positive, normal) is a power of two: the gap below it is half the gap above. */
function isPowerOfTwo(y: number): boolean {
  F64[0] = y;
  return ((U32[HI] as number) & 0xfffff) === 0 && U32[LO] === 0;
}

/** nextUp(y) - y for a positive normal double. */
function ulpAbove(y: number): number {
  return pow2(lastBitExponent(y));
}

/** y - nextDown(y) for a positive normal double. */
function gapBelow(y: number): number {
  const e = lastBitExponent(y);
  return pow2(isPowerOfTwo(y) ? e - 1 : e);
}

/** True when the last significand bit of y is set (ties round to the even neighbour). */
function isOdd(y: number): boolean {
  F64[0] = y;
  return ((U32[LO] as number) & 1) === 1;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Digits of the number being written (at most 17 significant, plus a carry). */
const DIGITS = new Uint8Array(24);
let digitCount = 0;

/**
 * Writes `JSON.stringify(v)` for a finite v into `buf` at `pos` (ASCII, at most 25 bytes) and returns
 * the position after it. Non-finite values (which JSON.stringify writes as null) must not be passed.
 */
export function writeShortestNumber(v: number, buf: Uint8Array, pos: number): number {
  if (v === 0) {
    buf[pos] = ZERO; // -0 too
    return pos + 1;
  }
  let x = v;
  let at = pos;
  if (x < 0) {
    buf[at++] = MINUS;
    x = -x;
  }
  // Integers below 2^53 print as their digits (a double's spacing there is at most 1, so no shorter
  // decimal rounds to them).
  if (x < TWO53 && Math.floor(x) === x) {
    setDigits(x, 0);
    return writeFixed(buf, at, 0) ?? writeString(v, buf, pos);
  }
  if (x >= 1e-6 && x < 1e15 && shortestDigits(x)) {
    const end = writeFixed(buf, at, shortestScale);
    if (end !== undefined) return end;
  }
  return writeString(v, buf, pos);
}

function writeString(v: number, buf: Uint8Array, pos: number): number {
  const s = String(v);
  for (let i = 0; i < s.length; i++) buf[pos + i] = s.charCodeAt(i);
  return pos + s.length;
}

/** The k of the digits found by shortestDigits: the number is DIGITS * 10^-k. */
let shortestScale = 0;

/**
 * Finds the shortest decimal that rounds to x (1e-6 <= x < 1e15), and among those the closest, as
 * Number::toString does, leaving its digits in DIGITS and its scale in shortestScale. Returns false
 * when this needs more than the exact arithmetic here can decide (the caller then uses String).
 *
 * With 10^(n-1) <= x < 10^n, a decimal of at most P significant digits that rounds to x lies in
 * [10^(n-1), 10^n] (a power of ten between it and x would be a shorter one), so it is R * 10^-k for
 * an integer R, k = P - n. The spacing of doubles near x is at most x * 2^-52, so:
 *  - P = 15: at most one such R, and it is Math.round(x * 10^k);
 *  - P = 16: at most two (three above 2^53), near Math.round(x * 10^k); see pick16, pick16Large;
 *  - P = 17: the closest, round(x * 10^k), always rounds to x.
 * "Rounds to x" is tested as R / 10^k === x: one correctly rounded division of exact operands
 * (R <= 2^53, k <= 22), which is what parsing the decimal gives.
 */
function shortestDigits(x: number): boolean {
  const n = decimalExponent(x);
  // P = 15
  let k = 15 - n;
  let p = POW10[k] as number;
  const r15 = Math.round(x * p);
  if (r15 / p === x) {
    setDigits(r15, k);
    return true;
  }
  // P = 16
  k = 16 - n;
  p = POW10[k] as number;
  const r16 = Math.round(x * p);
  const found16 = r16 + 1 <= TWO53 ? pick16(x, p, k, r16) : pick16Large(x, p, k);
  if (found16 !== NONE) return found16 === FOUND;
  // P = 17: round(x * 10^k), with x * 10^k = hi + lo exactly and hi >= 10^16 an integer.
  k = 17 - n;
  p = POW10[k] as number;
  const hi = twoProduct(x, p);
  const lo = (PRODUCT_ERROR[0] as number);
  const floor = Math.floor(lo);
  const frac = lo - floor;
  if (frac === 0.5) return false; // an exact tie: leave it to String
  setBigDigits(hi, frac > 0.5 ? floor + 1 : floor, k);
  return true;
}

const FOUND = 1;
const NONE = 0;
const UNDECIDED = -1;

/**
 * 16 digits with R = round(x * 10^k) + 1 <= 2^53: the round-trip test by division is exact. The
 * rounding interval is narrower than two steps of R, so at most two of R-1, R, R+1 pass.
 */
function pick16(x: number, p: number, k: number, r: number): number {
  const low = (r - 1) / p === x;
  const mid = r / p === x;
  const high = (r + 1) / p === x;
  if (!(low || mid || high)) return NONE;
  if ((low && mid) || (mid && high)) {
    // Two candidates a and a + 1: the one closer to x * 10^k = hi + lo (exact) wins.
    const a = low ? r - 1 : r;
    const hi = twoProduct(x, p);
    const d = hi - a - 0.5 + (PRODUCT_ERROR[0] as number); // hi - a is exact (Sterbenz), and so is the 0.5 step
    if (d === 0) return UNDECIDED; // an exact tie: leave it to String
    setDigits(d < 0 ? a : a + 1, k);
    return FOUND;
  }
  if (low && high) return UNDECIDED; // impossible (the interval is convex); be safe
  setDigits(low ? r - 1 : mid ? r : r + 1, k);
  return FOUND;
}

/**
 * 16 digits with x * 10^k above 2^53, where R is no longer a double: x * 10^k = hi + lo exactly (hi
 * an even integer), and a candidate hi + j rounds to x when j - lo lies within x's rounding interval
 * scaled by 10^k (ends included when x's significand is even, as parsing rounds ties to even). The
 * interval is at most 2.3 steps wide, so j is in -2..2; the closest passing candidate wins.
 */
function pick16Large(x: number, p: number, k: number): number {
  const hi = twoProduct(x, p);
  const lo = (PRODUCT_ERROR[0] as number);
  const e = lastBitExponent(x);
  // j - lo is exact while |j - lo| < 4 fits 53 bits above lo's last bit, 2^(e + k).
  if (e + k < -50) return UNDECIDED;
  const above = pow2(e - 1) * p; // half the gap above x, scaled: exact
  const below = isPowerOfTwo(x) ? above / 2 : above;
  const inclusive = !isOdd(x);
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  let tie = false;
  for (let j = -2; j <= 2; j++) {
    const d = j - lo;
    const inside = inclusive ? d <= above && d >= -below : d < above && d > -below;
    if (!inside) continue;
    const distance = Math.abs(d);
    if (distance < bestDistance) {
      best = j;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance) {
      tie = true;
    }
  }
  if (bestDistance === Number.POSITIVE_INFINITY) return NONE;
  if (tie) return UNDECIDED;
  setBigDigits(hi, best, k);
  return FOUND;
}

/** The n with 10^(n-1) <= x < 10^n, for 1e-6 <= x < 1e15, compared exactly. */
function decimalExponent(x: number): number {
  // log10(2) * the binary exponent: off by at most one, which the exact comparisons then fix.
  let n = Math.floor((lastBitExponent(x) + 52) * 0.30102999566398120) + 1;
  while (n - 1 > -7 && !atLeastPow10(x, n - 1)) n--;
  while (atLeastPow10(x, n)) n++;
  return n;
}

/** x >= 10^e exactly, for -22 <= e <= 22. */
function atLeastPow10(x: number, e: number): boolean {
  if (e >= 0) return x >= (POW10[e] as number);
  // 10^e is no double: compare x * 10^-e (= hi + lo exactly) with 1.
  const hi = twoProduct(x, POW10[-e] as number);
  return hi > 1 || (hi === 1 && (PRODUCT_ERROR[0] as number) >= 0);
}

/** Puts the decimal digits of the integer r (0 < r <= 2^53) in DIGITS; the number is r * 10^-k. */
function setDigits(r: number, k: number): void {
  const high = Math.floor(r / 1e9);
  setSplitDigits(high, r - high * 1e9, k);
}

/**
 * Puts the digits of hi + add in DIGITS, where hi < 2^57 is an integer double and add a small
 * integer (their sum may not be a double).
 */
function setBigDigits(hi: number, add: number, k: number): void {
  const high = Math.floor(hi / 1e9);
  // high * 1e9 is exact (high * 5^9 < 2^53) and so is the difference (an integer below 2^53).
  setSplitDigits(high, hi - high * 1e9 + add, k);
}

/** Digits of high * 10^9 + low, with low possibly a little outside [0, 10^9) (fixed here). */
function setSplitDigits(high: number, low: number, k: number): void {
  while (low < 0) {
    low += 1e9;
    high--;
  }
  while (low >= 1e9) {
    low -= 1e9;
    high++;
  }
  let n = 0;
  let rest = low | 0; // below 10^9: int32 arithmetic
  if (high > 0) {
    n = writeIntDigits(high, 0);
    for (let i = 8; i >= 0; i--) {
      DIGITS[n + i] = ZERO + (rest % 10);
      rest = (rest / 10) | 0;
    }
    n += 9;
  } else {
    n = writeIntDigits(rest, 0);
  }
  digitCount = n;
  shortestScale = k;
}

/** Writes the digits of a positive integer below 2^31 into DIGITS at `at`; returns the count end. */
function writeIntDigits(v: number, at: number): number {
  let rest = v | 0;
  let len = 1;
  for (let t = rest; t >= 10; t = (t / 10) | 0) len++;
  for (let i = len - 1; i >= 0; i--) {
    DIGITS[at + i] = ZERO + (rest % 10);
    rest = (rest / 10) | 0;
  }
  return at + len;
}

/**
 * Writes DIGITS * 10^-k as Number::toString does in fixed notation (trailing zeros dropped), or
 * returns undefined when that notation would use an exponent (the caller then uses String).
 */
function writeFixed(buf: Uint8Array, pos: number, k: number): number | undefined {
  let len = digitCount;
  // The decimal point sits after the first n digits (n <= 0: before them, after -n zeros).
  const n = len - k;
  while (len > 1 && DIGITS[len - 1] === ZERO) len--;
  if (n > 21 || n <= -6) return undefined;
  let at = pos;
  if (n <= 0) {
    buf[at++] = ZERO;
    buf[at++] = DOT;
    for (let z = 0; z < -n; z++) buf[at++] = ZERO;
    for (let i = 0; i < len; i++) buf[at++] = DIGITS[i] as number;
  } else if (n >= len) {
    for (let i = 0; i < len; i++) buf[at++] = DIGITS[i] as number;
    for (let z = len; z < n; z++) buf[at++] = ZERO;
  } else {
    for (let i = 0; i < n; i++) buf[at++] = DIGITS[i] as number;
    buf[at++] = DOT;
    for (let i = n; i < len; i++) buf[at++] = DIGITS[i] as number;
  }
  return at;
}

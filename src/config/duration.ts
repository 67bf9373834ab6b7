/**
 * Go's `time.ParseDuration`, so `--graceful_timeout 1m30s` means what it means to Seldon's executor.
 * The result is in milliseconds (fractional below 1 ms, e.g. `300us` is 0.3).
 */

/** Nanoseconds per unit, as Go's unitMap (both the micro sign U+00B5 and Greek mu U+03BC are accepted). */
const NANOS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  '\u00b5s': 1e3,
  '\u03bcs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go durations are int64 nanoseconds; larger values are an error there, so they are here too. */
const MAX_NANOS = 2 ** 63 - 1;

/** A syntax error in a duration; the caller adds which flag it came from. */
export class DurationSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationSyntaxError';
  }
}

/** One `<number><unit>` term: digits with an optional fraction, then a run of non-digit characters. */
const TERM = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]*)/;

/**
 * Parses a Go duration (`15s`, `500ms`, `1m30s`, `2.5s`, `1h`, `300us`, `300µs`, `10ns`, `-1s`, `0`)
 * into milliseconds. As in Go, a bare number other than `0` is an error (missing unit).
 * @throws DurationSyntaxError with Go's wording (`missing unit in duration "1"`).
 */
export function parseDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  // Go special-cases "0" (with an optional sign): the only unit-less duration.
  if (rest === '0') return 0;
  if (rest === '') throw new DurationSyntaxError(`invalid duration ${quoted}`);

  let nanos = 0;
  while (rest !== '') {
    const match = TERM.exec(rest);
    const whole = match?.[1] ?? '';
    const fraction = match?.[2];
    const unit = match?.[3] ?? '';
    // Go: the term must start with a digit or '.', and '.' alone is not a number.
    if (whole === '' && (fraction === undefined || fraction === '')) {
      throw new DurationSyntaxError(`invalid duration ${quoted}`);
    }
    if (unit === '') throw new DurationSyntaxError(`missing unit in duration ${quoted}`);
    const perUnit = NANOS_PER_UNIT[unit];
    if (perUnit === undefined) throw new DurationSyntaxError(`unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    nanos += Number(`${whole === '' ? '0' : whole}.${fraction ?? ''}0`) * perUnit;
    if (!(nanos <= MAX_NANOS)) throw new DurationSyntaxError(`invalid duration ${quoted} (out of range)`);
    rest = rest.slice((match?.[0] ?? '').length);
  }
  const ms = nanos / 1e6;
  return negative && ms !== 0 ? -ms : ms;
}

/** `--name <int>` from the command line of a micro-benchmark, or `fallback`; an integer in 1..max. */
export function intFlag(name: string, fallback: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0 || v > max) throw new Error(`--${name} must be an integer from 1 to ${max}`);
  return v;
}

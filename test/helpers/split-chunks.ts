/**
 * `bytes` cut at the given positions, as subarrays (no copy): the chunks a message may arrive in.
 * Each cut must be within the bytes; equal cuts give empty chunks.
 */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const at of [...cuts].sort((a, b) => a - b)) {
    out.push(bytes.subarray(from, at));
    from = at;
  }
  out.push(bytes.subarray(from));
  return out;
}

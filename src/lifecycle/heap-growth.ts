/**
 * The old generation's growth (`--heap-growing-percent`) for the external memory in flight; applied
 * by lifecycle/memory.ts, which says why.
 */

const MB = 1024 * 1024;

/**
 * Above this much external memory (Buffers: bodies in flight), heap growth leaves room for it.
 * Measured with the bench: REST P1 load at 32 connections holds 3-4 MB, 1 MB bodies at 16
 * connections 30-50 MB.
 */
export const LARGE_EXTERNAL_BYTES = 16 * MB;
/** Room asked for above the old generation, as a multiple of the external memory in flight. */
const EXTERNAL_ROOM = 2;
/** Bounds of the growth percent while large bodies are in flight (1,000 %: up to 11x the old generation). */
const MIN_LARGE_PERCENT = 100;
const MAX_LARGE_PERCENT = 1_000;

/** While external memory is small: the next full GC at 1.5x what survived the last one. */
export const TIGHT_PERCENT = 50;

/**
 * The heap growth percent for this much external memory and JS heap in use: TIGHT_PERCENT while
 * external memory is small, else about EXTERNAL_ROOM times the external memory above the heap in
 * use, within [MIN_LARGE_PERCENT, MAX_LARGE_PERCENT]. About: V8 applies the percent to the old
 * generation that survived the last full GC, which is less than the heap in use (that also counts
 * the young generation and garbage), so the room is somewhat less than asked. Dead Buffers waiting
 * for a full GC also count as external memory and so ask for more room; the cap bounds that.
 */
export function growingPercent(externalBytes: number, heapUsedBytes: number): number {
  if (externalBytes < LARGE_EXTERNAL_BYTES) return TIGHT_PERCENT;
  const room = (100 * EXTERNAL_ROOM * externalBytes) / Math.max(heapUsedBytes, MB);
  // In steps of 50, so that small swings of the bodies in flight do not reset the flag every second.
  const stepped = Math.ceil(room / 50) * 50;
  return Math.min(MAX_LARGE_PERCENT, Math.max(MIN_LARGE_PERCENT, stepped));
}

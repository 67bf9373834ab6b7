/**
 * V8 settings that keep the engine's RSS small and flat (issue targets: idle < 70 MB, P1 load
 * < 100 MB), applied when this module loads: main.ts imports it first, before the modules whose
 * start-up garbage would otherwise grow the heap. Set with v8.setFlagsFromString because the engine
 * is started as `node dist/src/main.js` (the image's entrypoint, the bench), where no node flag can
 * be passed; each flag below is one V8 reads when it uses it, so setting it at run time works
 * (checked on Node 20 and 24). Flags V8 only reads at start-up (`--max-semi-space-size`) or that
 * change a running collector (`--no-concurrent-marking`: a fatal CHECK) are not usable this way.
 *
 * Measured with the bench on one build with and without this module (medians of several runs on the
 * shared 2-core machine): rest-g1-p1 idle VmRSS 69.5 -> 65.5 MB, VmHWM under P1 load 106 -> 88 MB;
 * grpc-g1-p1 VmHWM 153 -> 95 MB. No single flag gets there: each one alone left rest-g1-p1 at
 * 100-107 MB. Cost: engine CPU per request +5 % on P1 (two engines loaded at the same time, paired
 * windows; +2..10 % across runs), req/s unchanged within the noise; the scavenger's own CPU per
 * request is unchanged (--trace-gc-nvp), so the cost is presumably --liftoff-only's slower parser
 * and the extra full GCs of --heap-growing-percent.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { growingPercent } from './heap-growth';

/**
 * Ceiling of the young generation (both semi-spaces), MiB. V8's default grows it to 32 MiB (64 on
 * Node 24) under load, all of it resident. At 12 MiB a P1 request's objects are still long dead at
 * the next scavenge; more scavenges than the default, paid for by --no-parallel-scavenge. Measured
 * with the bench, paired runs: 12 against 16 MiB lowered VmHWM by 3-5 MB (rest-g1-p1 91 -> 86-88,
 * grpc-g1-p1 100.5 -> 95) at the same CPU per request (50-51 against 51-52 µs). 8 MiB, measured
 * earlier against 16, saved ~4 MB but cost ~5 % CPU in scavenges.
 */
const NEW_SPACE_LIMIT_MB = 12;
const MB = 1024 * 1024;

let applied = false;

/**
 * Applies the settings once (idempotent):
 * - `--liftoff-only`: undici (the payload logger's POSTs; child calls have their own client) parses
 *   HTTP/1 answers with llhttp compiled to WebAssembly; by default V8 recompiles its hot functions
 *   with TurboFan, whose compile zone peaks at ~37 MB of malloc: VmHWM +30 MB at the first POSTs.
 *   Liftoff's code parses a small answer in 1.4 µs instead of 0.67 µs.
 * - young generation: no growth during start-up (start-up garbage would grow it to 16 MiB and keep
 *   the pages: 5 MB of idle RSS), then up to NEW_SPACE_LIMIT_MB (-20 MB under load).
 * - `--heap-growing-percent`: 50 while no large bodies are in flight, room for them while they are
 *   (see adaptHeapGrowth).
 * - `--no-maglev`: from Node 22 (V8 12) hot functions are compiled by Maglev before TurboFan, and
 *   Maglev's compile zones (malloc) raise the engine's peak RSS under load. Full bench runs on Node
 *   24.22 (at ed514dc, before and after this flag): P1 VmHWM 94-108 MB with Maglev, 85-93
 *   without (REST); gRPC 110-115 against 98-104. CPU per request the same within the noise (paired
 *   G3 runs). Node 20's V8 has Maglev off already.
 * - `--no-parallel-scavenge`: scavenges on the main thread only. The survivors of a scavenge are a
 *   few hundred KB (the requests in flight), too little to share out: on the 2-core bench machine a
 *   parallel scavenge cost 2.6 ms of CPU (main + helper threads), a single-threaded one 1.2 ms. With
 *   a CPU limit (Seldon's default executor budget is 500m) helper threads only burn the quota.
 */
export function applyMemoryLimits(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--liftoff-only');
  setFlagsFromString('--no-maglev');
  setFlagsFromString('--no-parallel-scavenge');
  limitYoungGeneration();
  adaptHeapGrowth();
}

/** How often the external memory is looked at. */
const ADAPT_EVERY_MS = 1_000;

/**
 * `--heap-growing-percent=50` (the next full GC is due when the old generation reaches 1.5x what
 * survived the last one, instead of up to 4x) keeps the RSS of small-message load flat: grpc-g1-p1
 * VmHWM 138 MB without it, 95 MB with it. It applies while external memory is small.
 *
 * With large bodies in flight it would cost a full GC every few requests, because V8 adds the
 * external memory allocated since the last full GC to the old generation when it checks that limit
 * (and starts marking only once the old generation is over 8 MB). V8's own growth (1.5-4x) is not
 * enough either: 1-3 MB more of live heap (a module more, a larger graph) took P2 one way from 0.7
 * to 1.05-1.1 ms of CPU per request, with 114-117 full GCs in 6 s instead of 3-10 (one build, extra
 * live objects preloaded, `--trace-gc`). So while large bodies are in flight the limit is set well
 * above the heap in use (heap-growth.ts): the same runs took 0.66-0.72 ms with 3-10 full GCs, and
 * `--scenario grpc-g1-p2-echo` from 4.9-5.7 to 3.6-3.7 ms (paired with the build before; VmHWM
 * 130 -> 166 MB). Young Buffers are still freed by scavenges, so this delays only the full GCs;
 * the RSS limit (300 MB at 16 connections) leaves room. V8 reads the flag each time it sets the
 * next limit, so changing it at run time takes effect at the next GC. What this gives up: a limit
 * set during a burst of large bodies (up to 11x the old generation) stays until the next full GC,
 * so small-message traffic right after a burst does not get the flat RSS of the tight setting until
 * then; and external memory near 16 MB may switch the setting every second (harmless: each GC
 * reads the value of the moment).
 */
function adaptHeapGrowth(): void {
  let percent: number | undefined;
  const apply = (): void => {
    const heap = getHeapStatistics();
    const want = growingPercent(heap.external_memory, heap.used_heap_size);
    if (want === percent) return;
    setFlagsFromString(`--heap-growing-percent=${want}`);
    percent = want;
  };
  apply();
  const timer = setInterval(apply, ADAPT_EVERY_MS);
  timer.unref();
}

/**
 * V8 has no run-time setting for the young generation's maximum (`--max-semi-space-size` is read
 * once, at isolate creation), but it reads `--semi-space-growth-factor` each time it grows the
 * semi-spaces (new size = factor x current size, up to V8's own maximum). So the factor is 1 (no
 * growth) from here until the first GC notification after start-up (they arrive once the event loop
 * runs), and after each GC it is the largest one that does not take the semi-spaces past the limit.
 *
 * Once the semi-spaces are at the limit (factor 1: they cannot grow), GC notifications stop: Node
 * builds an entry object per GC (with deprecation wrappers), which under load cost ~0.3 µs per
 * request for nothing. A 1 s timer then only checks whether V8 shrank them (it does when idle), and
 * if so listens again.
 */
function limitYoungGeneration(): void {
  const semiSpaceLimit = (NEW_SPACE_LIMIT_MB * MB) / 2;
  let factor = 0;
  const setFactor = (f: number): void => {
    if (f === factor) return;
    // 1 is below the range V8 accepts on the command line (it raises it to 2 there); at run time
    // V8 takes it as is and its growth step becomes a no-op.
    setFlagsFromString(`--semi-space-growth-factor=${f}`);
    factor = f;
  };
  setFactor(1);
  const semiSpace = (): number => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    // used + available: the capacity of one semi-space (a little under its size: page headers).
    return young === undefined ? 0 : young.space_used_size + young.space_available_size;
  };
  /** Past half the limit no growth step fits (the factor is 1). */
  const cannotGrow = (size: number): boolean => size * 2 > semiSpaceLimit;
  const observer = new PerformanceObserver(() => {
    const size = semiSpace();
    if (size <= 0) return;
    setFactor(Math.max(1, Math.floor(semiSpaceLimit / size)));
    if (cannotGrow(size)) {
      observer.disconnect();
      watchForShrink();
    }
  });
  const watchForShrink = (): void => {
    const timer = setInterval(() => {
      if (cannotGrow(semiSpace())) return;
      clearInterval(timer);
      observer.observe({ entryTypes: ['gc'] });
    }, 1_000);
    timer.unref();
  };
  observer.observe({ entryTypes: ['gc'] });
}

applyMemoryLimits();

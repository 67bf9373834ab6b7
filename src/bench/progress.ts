/** Where progress goes: a stream that may be a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * A one-line status that rewrites itself on a terminal (`\r` + clear to end of line) and, when the
 * output is a file or pipe (CI logs), prints only the lines passed to `log`, so logs stay short.
 */
export class ProgressLine {
  readonly #out: ProgressStream;
  readonly #tty: boolean;
  #shown = false;

  constructor(out: ProgressStream) {
    this.#out = out;
    this.#tty = out.isTTY === true;
  }

  /** Replaces the status line (terminal only). */
  update(text: string): void {
    if (!this.#tty) return;
    this.#out.write(`\r\x1b[K${text}`);
    this.#shown = true;
  }

  /** Prints a permanent line above the status line. */
  log(text: string): void {
    this.clear();
    this.#out.write(`${text}\n`);
  }

  clear(): void {
    if (!this.#shown) return;
    this.#out.write('\r\x1b[K');
    this.#shown = false;
  }
}

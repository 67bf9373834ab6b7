import type { LogLevel } from '../config/schema';

const RANK: Readonly<Record<LogLevel, number>> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, FATAL: 50 };
const NAME: Readonly<Record<LogLevel, string>> = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error', FATAL: 'fatal' };

export type LogFields = Readonly<Record<string, unknown>>;

/** Structured JSON logs, one line each: {"level","ts","logger","msg",...fields}. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry these fields. */
  child(fields: LogFields): Logger;
  enabled(level: LogLevel): boolean;
}

/** Creates the root logger; `write` defaults to stdout (injected by tests). */
export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  return make(RANK[level], write, {});
}

function make(min: number, write: (line: string) => void, base: LogFields): Logger {
  const log = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[level] < min) return;
    let line: string;
    try {
      line = JSON.stringify({ level: NAME[level], ts: new Date().toISOString(), msg, ...base, ...fields });
    } catch {
      line = JSON.stringify({ level: NAME[level], ts: new Date().toISOString(), msg, ...base, note: 'fields not serialisable' });
    }
    write(`${line}\n`);
  };
  return {
    debug: (m, f) => log('DEBUG', m, f),
    info: (m, f) => log('INFO', m, f),
    warn: (m, f) => log('WARNING', m, f),
    error: (m, f) => log('ERROR', m, f),
    child: (fields) => make(min, write, { ...base, ...fields }),
    enabled: (level) => RANK[level] >= min,
  };
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ORDER: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** One JSON line per entry on stderr; errors keep their stack for the operator, never for clients. */
export function createLogger(level: LogLevel): Logger {
  const min = ORDER.indexOf(level);
  const write = (at: Exclude<LogLevel, 'silent'>) => (message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER.indexOf(at) < min) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level: at, message };
    for (const [key, value] of Object.entries(fields)) {
      entry[key] = value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
    }
    process.stderr.write(`${JSON.stringify(entry)}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

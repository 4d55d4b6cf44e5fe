/** The logging this package does: pino's `(object, message)` and `(message)` call forms. */
export interface Log {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

function line(level: string, obj: object | string, msg?: string): string {
  const fields = typeof obj === 'string' ? { msg: obj } : { ...obj, msg };
  if ('err' in fields && fields.err instanceof Error) fields.err = { message: fields.err.message } as never;
  return JSON.stringify({ level, time: Date.now(), name: 'wharf-amqp', ...fields });
}

/**
 * A logger that forwards to whichever logger it is given last: a client-only app (that never
 * calls `listen`) logs warnings to stderr; once `listen` passes the app's pino logger, that one
 * takes over.
 */
export class LateLog implements Log {
  #target: Log | undefined;

  use(target: Log): void {
    this.#target = target;
  }

  debug(obj: object | string, msg?: string): void {
    this.#target?.debug(obj, msg);
  }

  info(obj: object | string, msg?: string): void {
    this.#target?.info(obj, msg);
  }

  warn(obj: object | string, msg?: string): void {
    if (this.#target) this.#target.warn(obj, msg);
    else process.stderr.write(`${line('warn', obj, msg)}\n`);
  }

  error(obj: object | string, msg?: string): void {
    if (this.#target) this.#target.error(obj, msg);
    else process.stderr.write(`${line('error', obj, msg)}\n`);
  }
}

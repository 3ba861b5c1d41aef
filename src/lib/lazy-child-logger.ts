// A pino child logger made on first use. Each execution has its own (with its ids bound), yet
// most log nothing at the running level; making the child for each one cost ~1 % of the server's
// CPU under load (bench/profile: pino's child and its redaction set-up).
import type { Bindings, Level, Logger } from 'pino';

const LEVELS: ReadonlySet<string> = new Set<Level>(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const noop = () => undefined;

export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  let child: Logger | null = null;
  const real = () => (child ??= parent.child(bindings));
  return new Proxy(parent, {
    get(target, prop) {
      // A call below the level writes nothing: no child needed for it.
      if (typeof prop === 'string' && LEVELS.has(prop) && !target.isLevelEnabled(prop)) return noop;
      const made = real();
      const value = Reflect.get(made, prop, made) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(made) : value;
    },
  });
}

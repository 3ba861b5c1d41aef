// A pino child logger made on first use. Each execution and each HTTP request has its own (with its
// ids bound), yet most log nothing at the running level; making the child for each one cost ~1 % of
// the server's CPU under load and ~3 KB of garbage per request (bench/profile: pino's child and its
// redaction of the bindings).
import type { Bindings, Level, Logger } from 'pino';

const LEVELS: ReadonlySet<string> = new Set<Level>(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const noop = () => undefined;

export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  let child: Logger | null = null;
  const real = () => (child ??= parent.child(bindings));
  return new Proxy(parent, {
    get(target, prop) {
      if (typeof prop === 'string' && LEVELS.has(prop)) {
        // A call below the level writes nothing: no child needed for it. One at or above it makes
        // the child when it is called, not when it is looked up (Fastify checks the methods exist).
        if (!target.isLevelEnabled(prop)) return noop;
        return (...args: unknown[]) => (real()[prop as Level] as (...a: unknown[]) => void)(...args);
      }
      if (prop === 'child') return (...args: Parameters<Logger['child']>) => real().child(...args);
      const made = real();
      const value = Reflect.get(made, prop, made) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(made) : value;
    },
  });
}

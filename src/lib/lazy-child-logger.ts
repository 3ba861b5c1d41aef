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
  // Made once per logger: Fastify looks each method up twice per request to check it exists.
  let methods: Map<string, (...args: never[]) => unknown> | undefined;
  return new Proxy(parent, {
    get(target, prop) {
      const levelled = typeof prop === 'string' && LEVELS.has(prop);
      // A call below the level writes nothing: no child needed for it. One at or above it makes
      // the child when it is called, not when it is looked up.
      if (levelled && !target.isLevelEnabled(prop)) return noop;
      if (levelled || prop === 'child') {
        const name = prop as string;
        let method = methods?.get(name);
        if (!method) {
          method = levelled
            ? (...args: unknown[]) => (real()[name as Level] as (...a: unknown[]) => void)(...args)
            : (...args: Parameters<Logger['child']>) => real().child(...args);
          (methods ??= new Map()).set(name, method);
        }
        return method;
      }
      const made = real();
      const value = Reflect.get(made, prop, made) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(made) : value;
    },
  });
}

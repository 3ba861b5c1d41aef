// List filters and the page cursor kept in the URL query, so a link shows the same list and
// Back returns to the previous filter or page. Changing a filter starts again from page one.
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';

export function useUrlFilter<K extends string>(keys: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const values = useMemo(() => {
    const out = {} as Record<K | 'before', string | undefined>;
    for (const k of [...keys, 'before' as const]) out[k] = params.get(k) || undefined;
    return out;
    // keys is a constant list per screen
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params]);

  const setFilter = useCallback(
    (key: K, value: string | null | undefined) => {
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(key, value);
        else next.delete(key);
        next.delete('before');
        return next;
      });
    },
    [setParams],
  );
  const setCursor = useCallback(
    (before: string | null) => {
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        if (before) next.set('before', before);
        else next.delete('before');
        return next;
      });
    },
    [setParams],
  );
  const reset = useCallback(() => setParams(new URLSearchParams()), [setParams]);
  const filtered = keys.some((k) => values[k] !== undefined);
  return { values, setFilter, setCursor, reset, filtered };
}

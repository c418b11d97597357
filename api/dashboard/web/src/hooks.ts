import { useCallback, useEffect, useRef, useState } from 'react';
import { gql } from './api';

export interface QueryState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** A query, run again when `deps` change, every `pollMs` when given, and on reload(). */
export function useQuery<T = any>(query: string, variables: Record<string, unknown> = {}, options: { pollMs?: number; skip?: boolean } = {}): QueryState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(variables);
  const latest = useRef(0);
  useEffect(() => {
    if (options.skip) return;
    const id = ++latest.current;
    setLoading(true);
    gql<T>(query, JSON.parse(key))
      .then((d) => id === latest.current && (setData(d), setError(undefined)))
      .catch((e: Error) => id === latest.current && setError(e))
      .finally(() => id === latest.current && setLoading(false));
  }, [query, key, tick, options.skip]);
  useEffect(() => {
    if (!options.pollMs || options.skip) return;
    const timer = setInterval(() => setTick((t) => t + 1), options.pollMs);
    return () => clearInterval(timer);
  }, [options.pollMs, options.skip]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** The hash route: "#/runs/abc?x=1" -> { path: ["runs", "abc"], params }. */
export function useRoute(): { path: string[]; params: URLSearchParams } {
  const read = () => {
    const [p = '', q = ''] = location.hash.replace(/^#\/?/, '').split('?');
    return { path: p.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q) };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

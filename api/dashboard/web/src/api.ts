// The dashboard talks only to the GraphQL API: queries and mutations over HTTP POST, live data
// over graphql-ws on the same path. The API key is entered once and kept for the browser session.
import { createClient, type Client } from 'graphql-ws';

const KEY = 'xling.apiKey';

export const apiKey = {
  get: (): string => sessionStorage.getItem(KEY) ?? '',
  set(key: string): void {
    if (key) sessionStorage.setItem(KEY, key);
    else sessionStorage.removeItem(KEY);
    ws?.dispose();
    ws = undefined;
  },
};

export class ApiError extends Error {
  constructor(message: string, readonly code: string | undefined, readonly field: string | undefined) {
    super(message);
  }
}

const authorization = (): Record<string, string> => (apiKey.get() ? { authorization: `Bearer ${apiKey.get()}` } : {});

export async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authorization() },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  const error = body.errors?.[0];
  if (error) throw new ApiError(error.message, error.extensions?.code, error.extensions?.field);
  return body.data as T;
}

let ws: Client | undefined;
function wsClient(): Client {
  ws ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: () => authorization(),
    lazy: true,
    retryAttempts: 5,
  });
  return ws;
}

/** Streams a subscription; returns the function that ends it. */
export function subscribe<T = any>(query: string, variables: Record<string, unknown>, onNext: (data: T) => void, onError: (error: Error) => void = () => undefined): () => void {
  return wsClient().subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) onError(new ApiError(result.errors[0]!.message, (result.errors[0] as any).extensions?.code, undefined));
        else if (result.data) onNext(result.data as T);
      },
      error: (error) => onError(error instanceof Error ? error : new Error(Array.isArray(error) ? error[0]?.message : 'subscription closed')),
      complete: () => undefined,
    },
  );
}

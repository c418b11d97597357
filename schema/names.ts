// What a collection or alias name may be: both the gateway (promoteCollection's alias) and the
// vector stores (folder names in the embedded store, collection names in Qdrant) hold to it.

export const COLLECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Undefined when the name is valid, else why not. */
export function collectionNameProblem(name: string): string | undefined {
  return COLLECTION_NAME.test(name) && !name.includes('..') ? undefined : `must match ${COLLECTION_NAME.source} without ".."`;
}

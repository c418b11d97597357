// usearch's ESM build locates its native binary from the call stack of the first module that
// imports it, which fails or succeeds depending on who that is; its CommonJS build uses
// __dirname and always finds it. So every use goes through this CommonJS load.

import { createRequire } from 'node:module';
import type * as Usearch from 'usearch';

export const usearch = createRequire(import.meta.url)('usearch') as typeof Usearch;

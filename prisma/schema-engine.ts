import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { LOCKFILE_CONTENT, LOCKFILE_NAME, readMigrations } from './migrations-dir.js';

type EngineModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

/**
 * wasm-bindgen keeps the instance in module state of schema_engine_bg.js, so it is instantiated once per
 * process; instantiating it again would swap the memory under engines already created. The package's own
 * entry point imports the .wasm as an ES module, which Node 20 cannot load without a flag.
 */
let engineModule: Promise<EngineModule> | undefined;

function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const require = createRequire(import.meta.url);
    const bindings = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as EngineModule;
    const wasmPath = join(dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': bindings });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    // The engine's panic hook writes the message into this global before throwing.
    const global = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
    const registry = { message: '', set_message: (message: string) => void (registry.message = message) };
    global.PRISMA_WASM_PANIC_REGISTRY ??= registry;
    return bindings;
  })();
  return engineModule;
}

/**
 * Runs `run` with an engine whose shadow databases are throw-away in-memory PGlite instances, as is the
 * main database unless `main` is given. PGlite rather than the pg adapter: @prisma/adapter-pg cannot
 * decode the `"char"` columns of the catalog queries the engine runs.
 */
export async function withSchemaEngine<T>(
  schema: string,
  run: (engine: SchemaEngine) => Promise<T>,
  options: { main?: PGlite } = {},
): Promise<T> {
  const bindings = await loadEngineModule();
  const owned: PGlite[] = [];
  const adapterFor = async (db: PGlite): Promise<SqlDriverAdapter> => {
    const adapter = await new PrismaPGlite(db).connect();
    // pglite-prisma-adapter 0.7.2 does not await exec() here: errors escaped as unhandled rejections and
    // the engine went on before the script had run.
    const onError = (adapter as unknown as { onError(error: unknown): never }).onError.bind(adapter);
    adapter.executeScript = async (script: string) => {
      await db.exec(script).catch(onError);
    };
    return adapter;
  };
  const fresh = async (): Promise<SqlDriverAdapter> => {
    const db = await PGlite.create();
    owned.push(db);
    return adapterFor(db);
  };
  const main = options.main;
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: 'postgres',
    adapterName: 'xling-pglite-schema-engine',
    connect: main ? () => adapterFor(main) : fresh,
    connectToShadowDb: fresh,
  };
  const engine = await bindings.SchemaEngine.new(
    { datamodels: [[schema, 'schema.prisma']] },
    () => undefined,
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  try {
    return await run(engine);
  } finally {
    engine.free();
    await Promise.all(owned.map((db) => db.close()));
  }
}

export const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

export async function loadMigrationList(migrationsDir: string): Promise<MigrationList> {
  const migrations = await readMigrations(migrationsDir);
  return {
    baseDir: migrationsDir,
    // The engine only reads the provider from it; a missing lockfile on a fresh directory means "postgresql".
    lockfile: { path: LOCKFILE_NAME, content: LOCKFILE_CONTENT },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.script } },
    })),
  };
}

export interface SchemaDiff {
  /** SQL that takes a database migrated with the directory to the schema; null when nothing differs. */
  script: string | null;
}

/**
 * What `prisma migrate dev` does to create a migration: replay the migrations on a shadow database and diff
 * it against the schema.
 */
export async function diffMigrationsToSchema(migrationsDir: string, schema: string): Promise<SchemaDiff> {
  const from = await loadMigrationList(migrationsDir);
  const result = await withSchemaEngine(schema, (engine) =>
    engine.diff({
      from: { tag: 'migrations', ...from },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: true,
      filters: NO_FILTER,
    }),
  );
  // exitCode 2 = non-empty diff (the engine's `--exit-code` convention).
  return { script: result.exitCode === 2 ? (result.stdout ?? '') : null };
}

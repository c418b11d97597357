import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOCKFILE_CONTENT, LOCKFILE_NAME, defaultMigrationsDir, defaultSchemaPath, migrationDirectoryName } from './migrations-dir.js';
import { diffMigrationsToSchema } from './schema-engine.js';

export interface CreateMigrationOptions {
  name: string;
  migrationsDir?: string;
  schemaPath?: string;
  now?: Date;
}

/**
 * `prisma migrate dev --create-only` without the native engine: writes
 * `<migrationsDir>/<timestamp>_<name>/migration.sql` with what the schema adds to the migrations.
 * Returns the directory name, or null when the migrations already match the schema.
 */
export async function createMigration(options: CreateMigrationOptions): Promise<string | null> {
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir();
  const schema = await readFile(options.schemaPath ?? defaultSchemaPath(), 'utf8');
  const { script } = await diffMigrationsToSchema(migrationsDir, schema);
  if (script === null) return null;
  const name = migrationDirectoryName(options.name, options.now);
  const dir = join(migrationsDir, name);
  if (existsSync(dir)) throw new Error(`The migration directory already exists at ${dir}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'migration.sql'), script, 'utf8');
  await writeFile(join(migrationsDir, LOCKFILE_NAME), LOCKFILE_CONTENT, 'utf8');
  return name;
}

const USAGE = 'usage: node dist/prisma/diff.js <migration-name>   create a migration for schema changes\n' +
  '       node dist/prisma/diff.js --check            exit 1 when schema.prisma has changes without a migration';

async function main(args: string[]): Promise<number> {
  if (args[0] === '--check') {
    const schema = await readFile(defaultSchemaPath(), 'utf8');
    const { script } = await diffMigrationsToSchema(defaultMigrationsDir(), schema);
    if (script === null) {
      console.log('Migrations match schema.prisma.');
      return 0;
    }
    console.error(`schema.prisma has changes not covered by a migration:\n\n${script}`);
    return 1;
  }
  const name = args[0];
  if (name === undefined || name.startsWith('-') || args.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const created = await createMigration({ name });
  console.log(created === null ? 'No schema changes: no migration created.' : `Created prisma/migrations/${created}/migration.sql`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}

import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/client.js';
import { applyMigrations, applyMigrationsWith, type MigrateOptions } from './migrate.js';
import { pgliteSession } from './sql-session.js';

export type DatabaseTarget =
  | { kind: 'postgres'; url: string }
  | { kind: 'embedded'; dataDir: string | null /* null = in-memory */ };

export interface Database {
  prisma: PrismaClient;
  target: DatabaseTarget;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions extends MigrateOptions {
  /** Apply pending migrations before handing out the client. */
  migrate?: boolean;
}

export async function openDatabase(target: DatabaseTarget, options: OpenDatabaseOptions = {}): Promise<Database> {
  switch (target.kind) {
    case 'postgres': {
      if (options.migrate) await applyMigrations(target, options);
      const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: target.url }) });
      return { prisma, target, close: () => prisma.$disconnect() };
    }
    case 'embedded': {
      if (target.dataDir !== null) await mkdir(target.dataDir, { recursive: true });
      const db = await PGlite.create(target.dataDir ?? undefined);
      try {
        // Migrated through the same instance: an in-memory database exists only inside it, and a data
        // directory must not be opened by two PGlite instances at once.
        if (options.migrate) await applyMigrationsWith(pgliteSession(db), options);
      } catch (error) {
        await db.close();
        throw error;
      }
      const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
      return {
        prisma,
        target,
        close: async () => {
          await prisma.$disconnect();
          await db.close();
        },
      };
    }
  }
}

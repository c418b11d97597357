// Prisma CLI configuration (Prisma 7 no longer reads connection URLs from schema.prisma). Generation works
// without a URL; migrate/studio commands use DATABASE_URL. Here `prisma migrate` itself cannot download its
// engine: migrations are applied by `npm run db:migrate` and created by `node dist/prisma/diff.js <name>`.
import { defineConfig } from 'prisma/config';

const url = process.env.DATABASE_URL;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  ...(url ? { datasource: { url } } : {}),
});

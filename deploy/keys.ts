// `npm run keys -- create --name <name> --role <reader|trainer|admin>` | `list` | `revoke <id or name>`
//
// Manages API keys in the tracking database the platform's settings point at (DATABASE_URL, else
// the embedded database under XLING_HOME, which must not be in use by a running `npm start`:
// there, an admin can use the createApiKey / revokeApiKey mutations instead). The secret of a
// new key is printed once; only its hash is stored.

import { createApiKey, keyInputProblem, listApiKeys, revokeApiKey } from '../api/auth/api-keys.js';
import { loadApiConfig } from '../api/config.js';
import { openDatabase } from '../prisma/db.js';
import type { Role } from '../schema/auth.js';

const USAGE = 'usage: npm run keys -- create --name <name> --role <reader|trainer|admin> | list | revoke <id or name>';

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function runKeys(argv: readonly string[], print: (line: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'create' && command !== 'list' && command !== 'revoke') {
    print(USAGE);
    return 2;
  }
  let create: { name: string; role: Role } | undefined;
  if (command === 'create') {
    const name = option(rest, 'name') ?? '';
    const role = option(rest, 'role') ?? '';
    const problem = keyInputProblem(name, role);
    if (problem) {
      print(`--${problem.field} ${JSON.stringify(problem.field === 'name' ? name : role)} ${problem.problem}`);
      return 2;
    }
    create = { name, role: role as Role };
  }
  if (command === 'revoke' && !rest[0]) {
    print(USAGE);
    return 2;
  }
  const { settings } = loadApiConfig();
  const db = await openDatabase(settings.database, { migrate: true });
  try {
    switch (command) {
      case 'create': {
        if (await db.prisma.apiKey.findUnique({ where: { name: create!.name } })) {
          print(`--name ${JSON.stringify(create!.name)} is already the name of a key`);
          return 2;
        }
        const { row, secret } = await createApiKey(db.prisma, create!.name, create!.role);
        print(`created key ${row.name} (${row.role}, id ${row.id})`);
        print(`secret (shown once; send as "Authorization: Bearer <secret>"):`);
        print(secret);
        return 0;
      }
      case 'list': {
        const rows = await listApiKeys(db.prisma);
        if (rows.length === 0) print('no keys');
        for (const row of rows) {
          const state = row.revokedAt ? `revoked ${row.revokedAt.toISOString()}` : 'active';
          print(`${row.id}  ${row.name}  ${row.role}  created ${row.createdAt.toISOString()}  last used ${row.lastUsedAt?.toISOString() ?? 'never'}  ${state}`);
        }
        return 0;
      }
      case 'revoke': {
        const row = await revokeApiKey(db.prisma, rest[0]!);
        if (!row) {
          print(`no key with id or name ${JSON.stringify(rest[0])}`);
          return 1;
        }
        print(`revoked key ${row.name} (id ${row.id}) at ${row.revokedAt!.toISOString()}`);
        return 0;
      }
    }
  } finally {
    await db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runKeys(process.argv.slice(2), (line) => console.log(line)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`keys: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

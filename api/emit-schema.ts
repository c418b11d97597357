// Writes schema/graphql/schema.graphql (`node dist/api/emit-schema.js [file]`).

import { emitSchema } from './schema.js';

const file = await emitSchema(process.argv[2]);
console.log(`wrote ${file}`);

import { Field, ObjectType } from 'type-graphql';
import type { ExportedFile as ExportedFileData } from './export.js';

@ObjectType({ description: 'A file of an export: save content at path under a folder of your choice' })
export class ExportedFile implements ExportedFileData {
  @Field(() => String, { description: 'MTEB files: <model>/<revision>/<task>.json, as MTEB lays out results; the CSV: evaluations.csv' })
  path!: string;

  @Field(() => String)
  mediaType!: string;

  @Field(() => String)
  content!: string;
}

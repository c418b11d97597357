import { Field, InputType } from 'type-graphql';
import type { ImportDatasetInputData } from './import.service.js';
import type { PullDatasetData } from './pull.service.js';

@InputType()
export class ImportDatasetInput implements ImportDatasetInputData {
  @Field(() => String, { description: 'New name: a-z, 0-9 and -, not a catalog name; runs name it in trainDatasets' })
  name!: string;

  @Field(() => String, {
    description:
      'JSONL file inside the import roots (IMPORT_ROOTS, default DATA_DIR): relative to the first root, or absolute inside one; one {"id","language","query","passage","hard_negative"?} object per line, at most IMPORT_MAX_BYTES. ' +
      'Not copied: workers read the same absolute path, so it must be on storage they see too.',
  })
  path!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType()
export class PullDatasetInput implements PullDatasetData {
  @Field(() => String, { description: 'A catalog dataset with a recorded source (see datasets { source license })' })
  name!: string;

  @Field(() => Boolean, { nullable: true, description: 'Must be true for datasets whose license allows non-commercial use only (datasets { nonCommercial })' })
  acceptNonCommercial?: boolean | null;
}

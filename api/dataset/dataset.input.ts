import { Field, InputType } from 'type-graphql';
import type { ImportDatasetInputData } from './import.service.js';
import type { BitextFilesData, LanguageFileData, RetrievalFilesData } from './import-suite.js';
import type { PullDatasetData } from './pull.service.js';

// Paths in these inputs are files inside the import roots (IMPORT_ROOTS, default DATA_DIR):
// relative to the first root, or absolute inside one; each at most IMPORT_MAX_BYTES. They are
// not copied: workers read the same absolute paths, so they must be on storage workers see too.

@InputType()
export class LanguageFileInput implements LanguageFileData {
  @Field(() => String, { description: 'ISO 639-1 code of the text in the file, e.g. "de"' })
  language!: string;

  @Field(() => String)
  path!: string;
}

@InputType({ description: 'A retrieval suite: queries, corpus and qrels (BEIR layout with a language per record), or SQuAD files (one per language). README, "Your own evaluation data"' })
export class RetrievalFilesInput implements RetrievalFilesData {
  @Field(() => String, { nullable: true, description: 'JSONL: {"_id","language","text"} per line; translations share an _id' })
  queries?: string | null;

  @Field(() => String, { nullable: true, description: 'JSONL: {"_id","language","text","title"?} per line' })
  corpus?: string | null;

  @Field(() => String, { nullable: true, description: 'TSV: query-id, corpus-id, score per line (score > 0: relevant)' })
  qrels?: string | null;

  @Field(() => [LanguageFileInput], { nullable: true, description: 'SQuAD JSON per language (XQuAD/MLQA layout); question ids shared across files mark translations; paragraphs without sentence breaks are split into sentences' })
  squad?: LanguageFileInput[] | null;
}

@InputType({ description: 'A bitext set: two files of sentences, line-parallel (no gold) or id-paired ("<id>\\t<sentence>" lines, with a gold file)' })
export class BitextFilesInput implements BitextFilesData {
  @Field(() => LanguageFileInput)
  a!: LanguageFileInput;

  @Field(() => LanguageFileInput)
  b!: LanguageFileInput;

  @Field(() => String, { nullable: true, description: 'Id-paired sets (BUCC style): "<id in a>\\t<id in b>" per translation pair. Absent: line i of a translates line i of b (Tatoeba, FLORES)' })
  gold?: string | null;
}

@InputType({ description: 'Exactly one of path (a training JSONL file), retrieval, bitext' })
export class ImportDatasetInput implements ImportDatasetInputData {
  @Field(() => String, { description: 'New name: a-z, 0-9 and -, not a catalog name; runs name it in trainDatasets, evaluate in datasets' })
  name!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Training data: a JSONL file, one {"id","language","query","passage","hard_negative"?} object per line',
  })
  path?: string | null;

  @Field(() => RetrievalFilesInput, { nullable: true, description: 'An evaluation suite for retrieval (kind RETRIEVAL)' })
  retrieval?: RetrievalFilesInput | null;

  @Field(() => BitextFilesInput, { nullable: true, description: 'An evaluation set for bitext mining (kind BITEXT)' })
  bitext?: BitextFilesInput | null;

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

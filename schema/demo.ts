// The demo bundle (deploy/demo/, written by deploy/make-demo.ts): a share-alike sample of XQuAD-R
// and NTREX-128 plus the XLM-R tokenizer, so that `npm start` on a machine with only the clone runs
// README's example. `npm start` copies it into a data (and models) folder that does not exist yet
// and writes SAMPLE.json there; that record is how the catalog (status SAMPLE) and evaluation
// reports (sampleSized) tell the sample from the full dataset, which a pull puts in its place.

/** The record of sample files: in deploy/demo/ (paths from there) and in a seeded data folder (paths from it). */
export const DEMO_SAMPLE_FILE = 'SAMPLE.json';

export interface DemoSample {
  /** XQuAD-R articles kept (of 48), NTREX-128 lines kept (of 1,997). */
  articles: number;
  lines: number;
  /** Path -> sha256. */
  files: Record<string, string>;
}

// A validation retrieval suite that is neither XQuAD-R nor MLQA-R, for choosing serving defaults
// (fusion) without looking at the test suites: XNLI's test split (the alignment suite reads dev),
// LAReQA-style. Queries are the first hypothesis written for each premise (the test files carry no
// labels: it may entail, contradict or be neutral to it, and is about it either way); candidates
// are the distinct premises of each language; a query's relevant candidates are its premise in
// every language. The 15 languages hold XQuAD-R's 11.

import fs from 'node:fs/promises';
import path from 'node:path';
import type { IndexRange, RetrievalBenchmark, RetrievalCandidate, RetrievalQuery } from './benchmark.js';

export async function buildXnliRetrievalBenchmark(dataDir: string, languages: readonly string[], premises = Infinity): Promise<RetrievalBenchmark> {
  const rows = await Promise.all(
    languages.map(async (l) => (await fs.readFile(path.join(dataDir, 'xnli', `test-${l}.tsv`), 'utf8')).split('\n').filter(Boolean).map((line) => line.split('\t'))),
  );
  // Row i is the same (premise, hypothesis) in every language.
  const picked: number[] = [];
  const seen = new Set<string>();
  rows[0]!.forEach((_, i) => {
    const premise = rows.map((r) => r[i]![0]).join('\u0000');
    if (!seen.has(premise) && picked.length < premises) {
      seen.add(premise);
      picked.push(i);
    }
  });
  const candidates: RetrievalCandidate[] = [];
  const candidateRanges: IndexRange[] = [];
  languages.forEach((language, l) => {
    const start = candidates.length;
    picked.forEach((row, p) => candidates.push({ language, text: rows[l]![row]![0]!, context: '', paragraphIndex: p, sentenceIndex: 0 }));
    candidateRanges.push({ start, end: candidates.length });
  });
  const queries: RetrievalQuery[] = [];
  const queryRanges: IndexRange[] = [];
  languages.forEach((language, l) => {
    const start = queries.length;
    picked.forEach((row, p) =>
      queries.push({ id: String(row), language, text: rows[l]![row]![1]!, relevant: candidateRanges.map((r) => r.start + p), unit: p }),
    );
    queryRanges.push({ start, end: queries.length });
  });
  return { name: 'xnli-test-r', languages: [...languages], queries, queryRanges, candidates, candidateRanges, units: picked.map(String) };
}

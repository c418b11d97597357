-- DropIndex
DROP INDEX "EvaluationReport_jobId_suite_key";

-- AlterTable
ALTER TABLE "ImportedDataset" ADD COLUMN     "files" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "format" TEXT NOT NULL DEFAULT 'JSONL',
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'JSONL';

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "evaluationDatasets" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE UNIQUE INDEX "EvaluationReport_jobId_suite_dataset_key" ON "EvaluationReport"("jobId", "suite", "dataset");

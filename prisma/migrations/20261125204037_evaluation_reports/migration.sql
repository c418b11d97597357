-- Rows from before reports cannot be attached to one (and nothing wrote any): the NOT NULL columns below need an empty table.
DELETE FROM "Evaluation";

-- DropForeignKey
ALTER TABLE "Evaluation" DROP CONSTRAINT "Evaluation_checkpointId_fkey";

-- DropForeignKey
ALTER TABLE "Evaluation" DROP CONSTRAINT "Evaluation_runId_fkey";

-- DropIndex
DROP INDEX "Evaluation_checkpointId_idx";

-- DropIndex
DROP INDEX "Evaluation_runId_idx";

-- AlterTable
ALTER TABLE "Evaluation" DROP COLUMN "baseline",
DROP COLUMN "checkpointId",
DROP COLUMN "dataset",
DROP COLUMN "runId",
ADD COLUMN     "mrrAt10" DOUBLE PRECISION NOT NULL,
ADD COLUMN     "reportId" TEXT NOT NULL;

-- CreateTable
CREATE TABLE "EvaluationReport" (
    "id" TEXT NOT NULL,
    "jobId" TEXT,
    "runId" TEXT,
    "checkpointId" TEXT,
    "baseline" TEXT,
    "suite" TEXT NOT NULL,
    "dataset" TEXT NOT NULL,
    "step" INTEGER,
    "headlines" JSONB NOT NULL,
    "alignment" JSONB,
    "queries" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvaluationReport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EvaluationReport_runId_step_idx" ON "EvaluationReport"("runId", "step");

-- CreateIndex
CREATE INDEX "EvaluationReport_checkpointId_idx" ON "EvaluationReport"("checkpointId");

-- CreateIndex
CREATE INDEX "EvaluationReport_baseline_idx" ON "EvaluationReport"("baseline");

-- CreateIndex
CREATE UNIQUE INDEX "EvaluationReport_jobId_suite_key" ON "EvaluationReport"("jobId", "suite");

-- CreateIndex
CREATE UNIQUE INDEX "Evaluation_reportId_setting_queryLanguage_candidateLanguage_key" ON "Evaluation"("reportId", "setting", "queryLanguage", "candidateLanguage");

-- AddForeignKey
ALTER TABLE "EvaluationReport" ADD CONSTRAINT "EvaluationReport_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvaluationReport" ADD CONSTRAINT "EvaluationReport_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvaluationReport" ADD CONSTRAINT "EvaluationReport_checkpointId_fkey" FOREIGN KEY ("checkpointId") REFERENCES "Checkpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "EvaluationReport"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterEnum
ALTER TYPE "JobKind" ADD VALUE 'REPORT';

-- AlterTable
ALTER TABLE "EvaluationReport" ADD COLUMN     "unitTables" BYTEA;

-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "finishedAt" TIMESTAMP(3),
ADD COLUMN     "plan" JSONB,
ADD COLUMN     "preset" TEXT,
ADD COLUMN     "reportPath" TEXT,
ADD COLUMN     "status" TEXT;

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "experimentId" TEXT;

-- CreateIndex
CREATE INDEX "Job_experimentId_idx" ON "Job"("experimentId");

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

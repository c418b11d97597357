-- AlterTable
ALTER TABLE "EvaluationReport" ADD COLUMN     "retrieval" JSONB;

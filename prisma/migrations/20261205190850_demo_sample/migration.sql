-- AlterTable
ALTER TABLE "EvaluationReport" ADD COLUMN     "sampleSized" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "queueSeq" BIGINT;

-- AlterEnum
ALTER TYPE "JobKind" ADD VALUE 'PULL';

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "progress" JSONB;

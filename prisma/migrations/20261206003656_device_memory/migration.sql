-- AlterTable
ALTER TABLE "Worker" ADD COLUMN     "deviceMemoryBytes" BIGINT;

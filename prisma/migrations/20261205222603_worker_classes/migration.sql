-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "requirements" JSONB;

-- AlterTable
ALTER TABLE "Worker" ADD COLUMN     "hostMemoryBytes" BIGINT,
ADD COLUMN     "modelFamilies" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "workerClasses" TEXT[] DEFAULT ARRAY['cpu']::TEXT[];

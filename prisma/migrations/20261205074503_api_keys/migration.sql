-- AlterTable
ALTER TABLE "Checkpoint" ADD COLUMN     "prunedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "createdBy" TEXT,
ADD COLUMN     "createdByKeyId" TEXT;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "createdBy" TEXT,
ADD COLUMN     "createdByKeyId" TEXT;

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_name_key" ON "ApiKey"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_hash_key" ON "ApiKey"("hash");

-- CreateIndex
CREATE INDEX "Run_createdByKeyId_status_idx" ON "Run"("createdByKeyId", "status");

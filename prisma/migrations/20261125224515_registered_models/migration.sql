-- CreateTable
CREATE TABLE "RegisteredModel" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "modelType" TEXT NOT NULL,
    "parameters" INTEGER NOT NULL,
    "hiddenSize" INTEGER NOT NULL,
    "layers" INTEGER NOT NULL,
    "heads" INTEGER NOT NULL,
    "intermediateSize" INTEGER NOT NULL,
    "vocabSize" INTEGER NOT NULL,
    "maxTokens" INTEGER NOT NULL,
    "hasPooler" BOOLEAN NOT NULL,
    "headerSha256" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RegisteredModel_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "RegisteredModel_name_key" ON "RegisteredModel"("name");

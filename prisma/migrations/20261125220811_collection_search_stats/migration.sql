-- CreateTable
CREATE TABLE "CollectionSearchStats" (
    "collectionId" TEXT NOT NULL,
    "searches" INTEGER NOT NULL DEFAULT 0,
    "hits" INTEGER NOT NULL DEFAULT 0,
    "hitsInQueryLanguage" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CollectionSearchStats_pkey" PRIMARY KEY ("collectionId")
);

-- AddForeignKey
ALTER TABLE "CollectionSearchStats" ADD CONSTRAINT "CollectionSearchStats_collectionId_fkey" FOREIGN KEY ("collectionId") REFERENCES "Collection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

/**
 * Batching for training, independent of any model: tokenized samples in, padded batches out.
 *
 * <p>{@link org.vlmdistill.datasets.batch.BatchPlan} decides which samples go in which batch of which
 * epoch, from the seed, the epoch and the config only: a deterministic shuffle
 * ({@link org.vlmdistill.datasets.batch.EpochOrder}), optional length bucketing, and the split across
 * data-parallel ranks. {@link org.vlmdistill.datasets.batch.Collator} pads a batch's samples to a common
 * length. {@link org.vlmdistill.datasets.batch.BatchLoader} builds the planned batches ahead on worker
 * threads, delivers them in order, skips samples that ask to be skipped, and hands out a
 * {@link org.vlmdistill.datasets.batch.Cursor} after every batch from which a resumed run continues
 * with exactly the batches that would have followed.
 *
 * <pre>
 * BatchPlan plan = BatchPlan.of(BatchingConfig.of(8, seed).withBucketWindow(50), source.size(), lengths::get);
 * try (var loader = BatchLoader.open(source, plan, Collator.rightPadding(padId).withPadToMultipleOf(8),
 *                                    Prefetch.of(4, 8), saved == null ? plan.start() : saved, epochs)) {
 *     while (loader.hasNext()) {
 *         LoadedBatch&lt;Image&gt; b = loader.next();
 *         step(b.batch());
 *         if (checkpointDue) save(b.resume().toJson());
 *     }
 * }
 * </pre>
 */
package org.vlmdistill.datasets.batch;

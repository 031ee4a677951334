/**
 * Keeping runs and models safe on disk, for every training command (pretraining, SFT, reward models, PPO):
 *
 * <ul>
 *   <li>{@link rlhf4j.transformer.run.CheckpointWriter} — the one checkpoint writer: temporary directory, files and
 *       directory forced to disk, {@link rlhf4j.transformer.run.Manifest} (sizes and SHA-256), swap by rename with the
 *       previous copy kept until the new one is in place.</li>
 *   <li>{@link rlhf4j.transformer.run.CheckpointStore} — a run's rotating latest checkpoints and its best one;
 *       {@code newestValid} picks what {@code --resume} reads, falling back to older checkpoints.</li>
 *   <li>{@link rlhf4j.transformer.run.RunLock} — one run per output directory (an OS file lock with the holder's PID).</li>
 *   <li>{@link rlhf4j.transformer.run.JsonlLog} — append-only JSON Lines logs that survive a torn last line;
 *       {@link rlhf4j.transformer.run.AtomicFiles} — derived files replaced atomically.</li>
 *   <li>{@link rlhf4j.transformer.run.DiskSpace} — writability and free-space checks at the start, and "no space left
 *       on DIR (needed ~N MB)" instead of a mapped write's InternalError.</li>
 * </ul>
 */
package rlhf4j.transformer.run;

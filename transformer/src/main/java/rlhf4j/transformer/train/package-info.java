/**
 * Training causal language models: pretraining on a token stream and supervised fine-tuning on
 * (prompt, response) pairs, as nanoGPT's train.py.
 *
 * <ul>
 *   <li>{@link rlhf4j.transformer.train.BatchSource} — data as a pure function of the batch number:
 *       {@link rlhf4j.transformer.train.TokenWindows} (random windows of a corpus) and
 *       {@link rlhf4j.transformer.train.SftBatches} (padded pairs, loss on the response only).</li>
 *   <li>{@link rlhf4j.transformer.train.CausalLmTrainer} — one optimizer step: gradient accumulation, global
 *       norm clipping, warmup + cosine learning rate, AdamW that decays matrices only; evaluation.</li>
 *   <li>{@link rlhf4j.transformer.train.TrainingCheckpoint} — atomic checkpoint directories that resume a run
 *       bit for bit; {@link rlhf4j.transformer.train.TrainingRun} — the loop the CLI runs, with a
 *       {@link rlhf4j.transformer.train.DivergenceGuard} that never lets a diverged state be saved;
 *       {@link rlhf4j.transformer.train.ProgressBar} — the one-line progress report.</li>
 * </ul>
 *
 * <pre>{@code
 * ./rlhf4j pretrain --data input.txt --tokenizer char --out out/shakespeare      # nanoGPT's CPU "baby" run
 * ./rlhf4j sft --data pairs.jsonl --init stories260K.bin --tokenizer tok512.bin --out out/sft
 * }</pre>
 */
package rlhf4j.transformer.train;

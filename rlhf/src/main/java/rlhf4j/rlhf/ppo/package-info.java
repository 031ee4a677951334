/**
 * PPO for language models, on the autograd layer ({@link rlhf4j.rlhf.ppo.PpoTrainer}, read top-down).
 *
 * <p><b>The objects.</b> The policy π_θ is a transformer with its LM head and a value head V_φ (or a separate
 * critic, {@link rlhf4j.rlhf.ppo.PpoModels}); the reference π_ref is a frozen copy of the starting policy. A
 * {@link rlhf4j.rlhf.reward.RewardFunction} scores whole completions.
 *
 * <p><b>Phase 1, rollouts</b> ({@link rlhf4j.rlhf.ppo.Rollout}), in named steps: <em>sample</em> a completion
 * for each of B prompts at temperature τ; <em>score</em> them (s); <em>evaluate</em> log π_old and V_old of every completion
 * token in one forward pass of the policy (its value head reads the same hidden states), and log π_ref in one of
 * the reference; build <em>shaped rewards</em> ({@link rlhf4j.rlhf.ppo.ShapedRewards})
 * <pre>
 *   r_t = −β·(log π_old(y_t) − log π_ref(y_t))  (+ s at the last token)
 * </pre>
 * then <em>GAE</em> ({@link rlhf4j.rlhf.ppo.Gae}): δ_t = r_t + γV_{t+1} − V_t, A_t = δ_t + γλA_{t+1}, R_t = A_t + V_t;
 * and <em>whiten</em> the advantages over the batch's real tokens. Every pass over a rollout goes through the same
 * {@link rlhf4j.rlhf.ppo.Minibatch} slices.
 *
 * <p><b>Phase 2, learning.</b> ppoEpochs passes over shuffled minibatches, each one AdamW step on
 * ({@link rlhf4j.rlhf.ppo.PpoLoss})
 * <pre>
 *   ρ_t      = exp(log π_θ(y_t) − log π_old(y_t))
 *   L_policy = mean_t max(−A_t·ρ_t, −A_t·clip(ρ_t, 1−ε, 1+ε))
 *   L_value  = ½·mean_t max((V_t − R_t)², (V_old,t + clip(V_t − V_old,t, −c, c) − R_t)²)
 *   L        = L_policy + c_v·L_value − c_H·mean_t H(π_θ(·|y_&lt;t))
 * </pre>
 * with the gradient clipped by global norm. The means run over real completion tokens only: prompts, padding and
 * positions after the stop token are masked everywhere.
 *
 * <p><b>The classic bug</b> is computing log π_old one way (the sampler's, with temperature) and log π_θ another
 * (the learner's, without): then ρ ≠ 1 before any update and PPO optimises noise. Here both come from
 * {@link rlhf4j.rlhf.ppo.CompletionLogProbs} on the same padded batch, at the sampling temperature; the first
 * minibatch's ratio is exactly 1 ({@code firstRatioError} in the metrics) and the sampler's own log-probs are
 * compared with the learner's ({@code logProbGap}).
 *
 * <p><b>Settings</b> are {@link rlhf4j.rlhf.ppo.PpoConfig}, one group per step. <b>β</b> is fixed or adapted to a
 * KL target ({@link rlhf4j.rlhf.ppo.KlController}, Ziegler et al. 2019).
 *
 * <p><b>Runs</b> write {@code metrics.jsonl}/{@code metrics.csv}, {@code scores.jsonl}, {@code samples.jsonl}
 * ({@link rlhf4j.rlhf.ppo.RunLog}) and atomic checkpoints ({@link rlhf4j.rlhf.ppo.Checkpoints}). All randomness
 * is counter-based on (seed, iteration): prompt order, sampling and minibatch order need no saved RNG state, so a
 * resumed run repeats exactly what the uninterrupted one would have done. A NaN or ∞ in a loss or gradient norm
 * stops training before the update ({@link rlhf4j.transformer.train.TrainingDivergedException} names the quantity, the
 * iteration, the non-finite inputs and the last good checkpoint); so does a collapsed policy
 * ({@link rlhf4j.rlhf.ppo.CollapseLimits}: entropy near ln V, KL past a hard limit, a ratio explosion). A checkpoint
 * is written only after the rollout of its own policy has passed those checks, and the one that scored highest is
 * kept as {@code checkpoints/best}; the run directory is locked while training.
 */
package rlhf4j.rlhf.ppo;

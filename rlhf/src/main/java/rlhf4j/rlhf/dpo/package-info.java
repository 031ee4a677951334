/**
 * Direct preference optimisation (Rafailov et al. 2023): the policy learns straight from preference pairs, with no
 * reward model and no sampling ({@link rlhf4j.rlhf.dpo.DpoTrainer}, read top-down).
 *
 * <p><b>The objects.</b> The policy π_θ and a frozen reference π_ref (the starting policy), and preference groups,
 * the very input a reward model trains on ({@link rlhf4j.rlhf.consensus.PreferenceGroup}: a prompt x, its completions,
 * (winner, loser) pairs), tokenized by the policy's tokenizer ({@link rlhf4j.rlhf.dpo.PairData}).
 *
 * <p><b>The loss</b> ({@link rlhf4j.rlhf.dpo.DpoLoss}). With log π(y) = Σ_t log π(y_t | x, y_&lt;t) over the
 * completion's tokens and h = [log π(y_w) − log π_ref(y_w)] − [log π(y_l) − log π_ref(y_l)]:
 * <pre>
 *   DPO   L = −log σ(β·h)                                  (log 2 at the start, where π = π_ref)
 *   cDPO  L = −(1−ε)·log σ(β·h) − ε·log σ(−β·h)            (ε: labels assumed flipped)
 *   IPO   L = (h − 1/(2β))²
 * </pre>
 * It is the Bradley–Terry loss of a reward model whose reward is r(x, y) = β·log(π(y)/π_ref(y)): the policy that
 * maximises that reward under a KL penalty β to π_ref is π itself, so the policy is trained as its own reward model.
 * TRL's metrics follow: {@code rewards/chosen} = β·(log π(y_w) − log π_ref(y_w)), {@code rewards/rejected},
 * {@code rewards/margins} (their difference) and {@code rewards/accuracies} (share of pairs with chosen &gt; rejected).
 *
 * <p><b>Runs</b> cache log π_ref once, log every step to {@code metrics.jsonl}, and write checkpoints from which a
 * resume continues bit for bit; {@link rlhf4j.rlhf.stage.DpoStage} is the stage the CLI and the pipeline call.
 */
package rlhf4j.rlhf.dpo;

/**
 * Critic-free policy optimisation from groups of completions: GRPO (Shao et al. 2024), Dr. GRPO (Liu et al. 2025)
 * and RLOO (Ahmadian et al. 2024), one loop ({@link rlhf4j.rlhf.grpo.GrpoTrainer}) on PPO's sampling, logs,
 * collapse checks and checkpoints ({@code rlhf4j.rlhf.ppo}).
 *
 * <p>For each prompt, G completions y_1..y_G are sampled and scored, r_i = R(x, y_i). The other completions of the
 * prompt are the baseline ({@link rlhf4j.rlhf.grpo.GroupAdvantages}):
 * <pre>
 *   GRPO      A_i = (r_i − mean_j r_j) / (std_j r_j + ε)
 *   Dr. GRPO  A_i = r_i − mean_j r_j
 *   RLOO      A_i = r_i − (1/(G − 1))·Σ_{j≠i} r_j
 * </pre>
 * Every token of y_i shares A_i; the loss ({@link rlhf4j.rlhf.grpo.GrpoLoss}) is PPO's clipped surrogate plus β times
 * the k3 estimate of KL(π_θ ‖ π_ref), averaged per completion (GRPO, RLOO) or over a fixed N_max tokens (Dr. GRPO):
 * <pre>
 *   L = Σ_{i,t} w_{i,t}·[max(−A_i·ρ_{i,t}, −A_i·clip(ρ_{i,t}, 1 − ε, 1 + ε)) + β·(exp(d) − d − 1)],  d = log π_ref − log π_θ
 * </pre>
 * There is no value head and no per-token reward shaping; a group whose scores are all equal teaches nothing.
 */
package rlhf4j.rlhf.grpo;

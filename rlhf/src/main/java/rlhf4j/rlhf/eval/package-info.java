/**
 * Evaluation of a trained policy against its reference on held-out prompts ({@link rlhf4j.rlhf.eval.Evaluation}):
 * reward, gold (oracle) score and toxicity as mean ± std, KL to the reference on the policy's own samples, the
 * win rate by the gold score, and the completions side by side.
 */
package rlhf4j.rlhf.eval;

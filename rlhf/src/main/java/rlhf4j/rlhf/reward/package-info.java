/**
 * Rewards for PPO, behind one interface, {@link rlhf4j.rlhf.reward.RewardFunction}:
 * <ul>
 *   <li>{@link rlhf4j.rlhf.reward.RewardModel}: a pairwise reward model, a language-model trunk (usually the SFT
 *       policy) with a scalar head at the last real token, trained by {@link rlhf4j.rlhf.reward.RewardTrainer} on
 *       ranked groups with the Bradley–Terry loss {@link rlhf4j.rlhf.reward.PairwiseLoss}, then centred so a
 *       reference set of completions scores mean 0;</li>
 *   <li>{@link rlhf4j.rlhf.reward.Classifier}: N logits at the last token trained with cross-entropy
 *       ({@link rlhf4j.rlhf.reward.ClassifierTrainer}); the reward is one class's logit;</li>
 *   <li>{@link rlhf4j.rlhf.reward.NgramClassifier}: the bag-of-n-grams baseline, same role;</li>
 *   <li>any oracle ({@code RewardFunction.of(TextScorer, ...)}).</li>
 * </ul>
 * Models are saved as directories ({@link rlhf4j.rlhf.reward.ScoringModel}): {@code model.json},
 * {@code head.safetensors} and {@code trunk/} (a Hugging Face directory with its tokenizer,
 * {@link rlhf4j.rlhf.reward.TrunkFiles}). When no pretrained trunk fits the task,
 * {@link rlhf4j.rlhf.reward.TrunkPretraining} makes a small GPT-2 from the task's own texts.
 *
 * <pre>{@code
 * RewardModel rm = RewardModel.create(trunk, tokenizer, 256, seed);
 * new RewardTrainer(rm, RewardTrainer.Config.defaults()).train(groups, heldOut, null);
 * rm.normalize(referenceCompletionIds);         // rewards of the reference policy: mean 0
 * float[] r = rm.score(samples);                 // PPO's reward, one per sample
 * }</pre>
 */
package rlhf4j.rlhf.reward;

/**
 * From many labelers' rankings to training data: consensus per item ({@link rlhf4j.rlhf.consensus.ConsensusMethod}:
 * Borda count, Copeland's pairwise majority), inter-labeler agreement ({@link rlhf4j.rlhf.consensus.Agreement}:
 * pairwise agreement, Fleiss' κ, Kendall's τ-b, agreement with the consensus and flagging), and preference pairs
 * ({@link rlhf4j.rlhf.consensus.PreferencePair}: all C(K, 2) ordered pairs of a ranking, ties giving none;
 * {@link rlhf4j.rlhf.consensus.PreferenceGroup}: one ranking's pairs kept together as index pairs over its K
 * completions, the unit a reward model trains on).
 */
package rlhf4j.rlhf.consensus;

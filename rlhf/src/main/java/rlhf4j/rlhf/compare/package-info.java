/**
 * Comparing training algorithms on one task ({@link rlhf4j.rlhf.compare.CompareStage}): each algorithm at several
 * KL coefficients from the same reward model and prompts, judged on held-out prompts by a scorer none of them trained
 * against, in one HTML report ({@link rlhf4j.rlhf.compare.CompareReport}): the gold-vs-KL frontier of Gao et al.
 * 2022, proxy vs gold, diversity vs KL, throughput and samples.
 */
package rlhf4j.rlhf.compare;

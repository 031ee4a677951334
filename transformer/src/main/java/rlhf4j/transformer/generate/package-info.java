/**
 * Batched autoregressive generation with a KV cache ({@link rlhf4j.transformer.generate.Generator}), the sampling
 * settings ({@link rlhf4j.transformer.generate.SamplingConfig}: greedy, temperature, top-k, top-p) and the exact
 * distribution they define ({@link rlhf4j.transformer.generate.Sampler}), whose log-probabilities PPO needs.
 */
package rlhf4j.transformer.generate;

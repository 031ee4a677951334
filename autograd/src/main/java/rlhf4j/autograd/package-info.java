/**
 * Reverse-mode automatic differentiation over rlhf4j tensors.
 *
 * <ul>
 *   <li>{@link rlhf4j.autograd.Variable}: a tensor value plus the op that made it; every op states its local
 *       gradient where it is defined. {@code backward()} walks the graph in reverse topological order and frees
 *       it.</li>
 *   <li>{@link rlhf4j.autograd.Functional}: layer norm, RMS norm, embedding, cross-entropy, causal mask, dropout,
 *       on the backend's fused kernels.</li>
 *   <li>{@link rlhf4j.autograd.Grad#off()}: a no-grad scope for sampling and evaluation.</li>
 *   <li>{@link rlhf4j.autograd.Parameter}: a trainable leaf with long-lived value and gradient buffers.</li>
 *   <li>{@code nn}: modules (names, state dicts, train/eval) and layers; {@code optim}: SGD, AdamW, gradient
 *       clipping and the warmup-cosine schedule.</li>
 * </ul>
 *
 * <p>A training step:
 * <pre>{@code
 * opt.zeroGrad();
 * try (var step = MemoryScope.open()) {               // activations and intermediate gradients die here
 *     Variable loss = Functional.crossEntropy(model.forward(ids), targets, -1);
 *     loss.backward();                                // parameter gradients accumulate into long-lived buffers
 *     GradClip.clipGradNorm(model.parameters(), 1.0);
 *     opt.step();
 * }
 * }</pre>
 */
package rlhf4j.autograd;

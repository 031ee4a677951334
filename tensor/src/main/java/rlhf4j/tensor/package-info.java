/**
 * Tensors: n-dimensional arrays in off-heap memory, and the backends that compute with them. Read this first.
 *
 * <h2>What a tensor is</h2>
 * A {@link rlhf4j.tensor.Tensor} is a view over a {@link rlhf4j.tensor.Storage} (a flat block of device memory) given
 * by four things: a {@code dtype} (F32 values, or I32 ids, indices and masks), a {@code shape}, {@code strides} and
 * an {@code offset}, the last two counted in elements. Element {@code (i0, i1, ..., ik)} lives at
 * <pre>{@code   storage[offset + i0·strides[0] + i1·strides[1] + ... + ik·strides[k]]}</pre>
 * A freshly allocated tensor is <em>contiguous</em> (row-major): for shape (B, T, C) the strides are (T·C, C, 1).
 *
 * <h2>Views and copies</h2>
 * {@code view}, {@code transpose}, {@code mT}, {@code permute}, {@code narrow}, {@code select}, {@code expand},
 * {@code squeeze} and {@code unsqueeze} only compute a new shape, strides and offset: they copy nothing and share
 * the storage, so a write through one is seen through all. Transposing swaps two strides; narrowing moves the
 * offset; expanding (broadcasting) gives the repeated dims stride 0. {@code reshape} and {@code contiguous} return
 * a view when the strides allow it and a copy otherwise; {@code copy} always copies. Kernels accept inputs with any
 * strides, so a transpose fed to {@code matmul} costs no copy.
 *
 * <h2>Backends</h2>
 * A tensor only describes work; the {@link rlhf4j.tensor.Backend} that owns its device does it. {@code Backend} is
 * the SPI: one interface listing every kernel (copy, elementwise, reductions, matmul, the fused neural-network ops,
 * AdamW), implemented by the CPU backend in this module and by a CUDA backend in {@code native}, found with
 * {@link java.util.ServiceLoader} through {@link rlhf4j.tensor.Backends}. A backend may queue work and return
 * early; results reach the host only through {@code copyToHost} (e.g. {@code toFloatArray()}, {@code item()}),
 * which waits. Random numbers come from a counter-based generator, so every backend produces the same bits.
 *
 * <h2>The memory rule</h2>
 * Tensor memory is freed explicitly, never left to the garbage collector in a loop:
 * <ul>
 *   <li><b>Temporaries of a step</b> (activations, gradients of one batch, intermediate results) are allocated
 *       inside a {@link rlhf4j.tensor.MemoryScope}, opened with try-with-resources. Closing the scope frees all of
 *       them at once, and the allocator's cache serves the next step's identical requests without calling malloc.
 *       <pre>{@code
 * for (Batch batch : batches) {
 *     try (MemoryScope step = MemoryScope.open()) {
 *         Tensor loss = model.loss(batch);
 *         lossLog.add(loss.item());
 *     }                                            // every tensor of the step is freed here
 * }}</pre></li>
 *   <li><b>Parameters and optimizer state</b> are long-lived: allocate them outside any scope, or, from inside
 *       one (e.g. moments created lazily on the first step), in {@link rlhf4j.tensor.MemoryScope#unscoped}. Free
 *       them with {@link rlhf4j.tensor.Tensor#free()} when done; the GC is only a last resort for them.</li>
 *   <li><b>To hand a result out</b> of a scope, {@link rlhf4j.tensor.MemoryScope#keep} it: it moves to the
 *       enclosing scope, or becomes long-lived if there is none.</li>
 *   <li>Scopes nest per thread and must close innermost first. Using a tensor after its scope closed throws
 *       {@link java.lang.IllegalStateException} ("already freed"); it never reads freed memory.</li>
 * </ul>
 *
 * <p>Files of tensors (safetensors) are read and written by {@link rlhf4j.tensor.io}.
 */
package rlhf4j.tensor;

package rlhf4j.transformer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.io.WeightCheck;

/**
 * What PPO, reward models and generation need from a decoder-only transformer, whatever its family (GPT-2,
 * Llama): hidden states of a padded batch, the language-model head, and a KV-cached forward pass.
 *
 * <pre>{@code
 * Variable h = model.hidden(ids, mask);   // (B, T, C)
 * Variable logits = model.logits(h);      // (B, T, V)
 * Variable values = valueHead.forward(h); // (B, T), see rlhf4j.transformer.heads
 * }</pre>
 */
public abstract class TransformerModel extends Module {

    /** Model width C. */
    public abstract int width();

    public abstract int vocabSize();

    /** Longest sequence (positions 0..contextLength−1). */
    public abstract int contextLength();

    public abstract int numLayers();

    public abstract int numKvHeads();

    public abstract int headSize();

    /** Where the parameters live. */
    public abstract Device device();

    /**
     * The core pass: hidden states after the final norm for tokens at explicit positions.
     *
     * @param ids       I32 (B, T) token ids
     * @param positions I32 (B, T) position of each token in its own sequence
     * @param keyBias   F32 (B, 1, 1, S) added to attention scores per key (masks padding), S = cache length + T;
     *                  null when nothing is masked
     * @param cache     keys/values of earlier positions, extended by these T tokens; null for a plain pass
     * @return (B, T, C)
     */
    public abstract Variable forward(Tensor ids, Tensor positions, Tensor keyBias, KvCache cache);

    /** The language-model head: (B, T, C) → (B, T, V) logits. */
    public abstract Variable logits(Variable hidden);

    /**
     * The mean cross-entropy () of the head's logits for hidden (B, T, C) against I32 targets (B, T), rows equal
     * to ignoreIndex left out: {@code crossEntropy(logits(hidden), targets)}. A family may fuse head and loss.
     */
    public Variable lmLoss(Variable hidden, Tensor targets, int ignoreIndex) {
        return Functional.crossEntropy(logits(hidden), targets, ignoreIndex);
    }

    /**
     * A copy of the current weights laid out for token-by-token decoding on the CPU outside autograd
     * ({@link rlhf4j.transformer.infer.Decoder}), or null when this model has none (then generation runs the
     * autograd path). Taken anew on each call, so it reflects training so far.
     */
    public rlhf4j.transformer.infer.Decoder decoder() { return null; }

    /** The dropout probability applied in training (0 for families without dropout). */
    public double dropout() { return 0; }

    /** A model with the same weights and this dropout (families without dropout return themselves). */
    public TransformerModel withDropout(double p) { return this; }

    /** One line saying what the model is, e.g. "GPT-2 n_layer 4 n_head 4 n_embd 128 block 64". */
    public String describe() { return getClass().getSimpleName(); }

    /**
     * Hidden states of a padded batch: ids (B, T), mask (B, T) with 1 for real tokens and 0 for padding (left or
     * right), or null for none. Padding keys are never attended and positions count real tokens only, so each row
     * gets the same hidden states as it would alone (its padding rows hold meaningless values).
     */
    public Variable hidden(Tensor ids, Tensor mask) {
        checkIds(ids);
        int b = ids.size(0), t = ids.size(1);
        if (mask == null) return forward(ids, onDevice(Masks.positions(b, t)), null, null);
        int[] m = Masks.read(mask, b, t);
        return forward(ids, onDevice(Masks.positions(m, b, t)), onDevice(Masks.keyBias(m, b, t)), null);
    }

    /** Logits (B, T, V) of a padded batch: {@code logits(hidden(ids, mask))}. */
    public Variable forward(Tensor ids, Tensor mask) { return logits(hidden(ids, mask)); }

    /** A cache for {@code batch} sequences of up to {@code maxLength} tokens. */
    public KvCache newCache(int batch, int maxLength) {
        if (maxLength > contextLength())
            throw new IllegalArgumentException("a cache of " + maxLength + " positions exceeds the context length "
                    + contextLength());
        return new KvCache(numLayers(), batch, numKvHeads(), maxLength, headSize(), device());
    }

    /**
     * Writes this model as a Hugging Face directory (config.json + model.safetensors) that {@link Models#load} opens
     * again with bit-identical weights.
     */
    public abstract void save(Path dir) throws IOException;

    /** Copies a checkpoint's tensors (named as this model's) after the strict {@link WeightCheck} against this model. */
    protected final void loadWeights(Path file, Map<String, Tensor> state) throws FileFormatException {
        WeightCheck.check(file, toString(), stateDict(), state);
        loadStateDict(state, true);
    }

    protected Tensor onDevice(Tensor t) { return t.to(device()); }

    /** Checks ids are I32 (B, T) and fit the context. */
    protected void checkIds(Tensor ids) {
        if (ids.dtype() != DType.I32 || ids.dim() != 2)
            throw new IllegalArgumentException("token ids must be I32 (B, T), got " + ids);
        if (ids.size(1) > contextLength())
            throw new IllegalArgumentException(ids.size(1) + " tokens exceed the model's context length " + contextLength());
    }
}

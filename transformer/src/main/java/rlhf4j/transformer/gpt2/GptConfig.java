package rlhf4j.transformer.gpt2;

import java.util.List;
import rlhf4j.transformer.io.Gpt2Config;

/**
 * The shape of a GPT-2 model (nanoGPT's GPTConfig).
 *
 * @param nLayer    transformer blocks
 * @param nHead     attention heads; head size = nEmbd / nHead
 * @param nEmbd     model width C
 * @param blockSize context length (learned positions)
 * @param vocabSize token ids (GPT-2: 50257)
 * @param dropout   dropout probability on embeddings, attention weights and residual branches (0 to disable)
 */
public record GptConfig(int nLayer, int nHead, int nEmbd, int blockSize, int vocabSize, double dropout) {
    /** GPT-2's LayerNorm ε. */
    public static final double LAYER_NORM_EPS = 1e-5;

    public GptConfig {
        if (nLayer <= 0 || nHead <= 0 || nEmbd <= 0 || blockSize <= 0 || vocabSize <= 0)
            throw new IllegalArgumentException("n_layer " + nLayer + ", n_head " + nHead + ", n_embd " + nEmbd
                    + ", block_size " + blockSize + ", vocab_size " + vocabSize + " must all be positive");
        if (nEmbd % nHead != 0) throw new IllegalArgumentException("n_embd " + nEmbd + " is not divisible by n_head " + nHead);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout " + dropout + " must be in [0, 1)");
    }

    /** GPT-2 small (124M) without dropout. */
    public static GptConfig gpt2Small() { return new GptConfig(12, 12, 768, 1024, 50257, 0.0); }

    public int headSize() { return nEmbd / nHead; }

    /** From a Hugging Face config.json (no dropout: this is for fine-tuning and inference). */
    public static GptConfig from(Gpt2Config hf) {
        return new GptConfig(hf.nLayer(), hf.nHead(), hf.nEmbd(), hf.nPositions(), hf.vocabSize(), 0.0);
    }

    /** The Hugging Face config.json fields of this shape. */
    public Gpt2Config toHf() {
        return new Gpt2Config(nLayer, nHead, nEmbd, blockSize, vocabSize, LAYER_NORM_EPS, List.of("GPT2LMHeadModel"));
    }
}

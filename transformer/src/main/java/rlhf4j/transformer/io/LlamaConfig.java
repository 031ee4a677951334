package rlhf4j.transformer.io;

/**
 * The shape of a Llama-architecture decoder.
 *
 * @param dim              model width (embedding size)
 * @param hiddenDim        SwiGLU inner width (rows of gate_proj and up_proj)
 * @param nLayers          decoder blocks
 * @param nHeads           query heads; headSize = dim / nHeads
 * @param nKvHeads         key/value heads (grouped-query attention when fewer than nHeads)
 * @param vocabSize        token ids
 * @param seqLen           longest context the model was trained for
 * @param sharedClassifier lm_head reuses the token embedding matrix
 * @param ropeLayout       the rotary pairing that the q_proj/k_proj rows are stored for
 * @param normEps          RMSNorm epsilon (llama2.c: 1e-5)
 * @param ropeTheta        rotary base θ (llama2.c: 10000)
 */
public record LlamaConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize, int seqLen,
                          boolean sharedClassifier, RopeLayout ropeLayout, float normEps, float ropeTheta) {

    public static final float LLAMA2C_NORM_EPS = 1e-5f;
    public static final float LLAMA2C_ROPE_THETA = 10000f;

    /** Throws IllegalArgumentException naming the first nonsensical value. */
    public LlamaConfig {
        positive("dim", dim);
        positive("hidden_dim", hiddenDim);
        positive("n_layers", nLayers);
        positive("n_heads", nHeads);
        positive("n_kv_heads", nKvHeads);
        positive("vocab_size", vocabSize);
        positive("seq_len", seqLen);
        if (dim % nHeads != 0)
            throw new IllegalArgumentException("dim " + dim + " is not divisible by n_heads " + nHeads);
        if (nKvHeads > nHeads || nHeads % nKvHeads != 0)
            throw new IllegalArgumentException("n_heads " + nHeads + " is not a multiple of n_kv_heads " + nKvHeads);
        if ((dim / nHeads) % 2 != 0)
            throw new IllegalArgumentException("head size " + dim / nHeads + " is odd; rotary embedding needs pairs");
        if (ropeLayout == null) throw new IllegalArgumentException("ropeLayout is null");
        if (!(normEps > 0) || !(ropeTheta > 0))
            throw new IllegalArgumentException("normEps " + normEps + " and ropeTheta " + ropeTheta + " must be positive");
    }

    /** A llama2.c model: interleaved rotary layout, ε = 1e-5, θ = 10000. */
    public static LlamaConfig llama2c(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize,
                                      int seqLen, boolean sharedClassifier) {
        return new LlamaConfig(dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen, sharedClassifier,
                RopeLayout.INTERLEAVED, LLAMA2C_NORM_EPS, LLAMA2C_ROPE_THETA);
    }

    private static void positive(String name, int v) {
        if (v <= 0) throw new IllegalArgumentException(name + " = " + v + " must be positive");
    }

    public int headSize() { return dim / nHeads; }

    /** Width of the key and value projections: nKvHeads · headSize. */
    public int kvDim() { return nKvHeads * headSize(); }

    public LlamaConfig withRopeLayout(RopeLayout layout) {
        return new LlamaConfig(dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen, sharedClassifier, layout,
                normEps, ropeTheta);
    }
}

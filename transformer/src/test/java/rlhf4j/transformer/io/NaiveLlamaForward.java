package rlhf4j.transformer.io;

import java.util.ArrayList;
import java.util.List;

/**
 * A scalar, one-token-at-a-time Llama forward pass in the manner of llama2.c's run.c, used only to check that the
 * checkpoint reader's tensors mean what their names and the config say. It reads every matrix as [out, in] and
 * applies rotary embedding in the config's layout.
 */
public final class NaiveLlamaForward {
    private final LlamaConfig c;
    private final float[] embed, norm, lmHead;
    private final float[][] inNorm, postNorm, wq, wk, wv, wo, gate, up, down;
    private final float[][] keyCache, valueCache;   // (L, seqLen · kvDim)

    public NaiveLlamaForward(LlamaCheckpoint ckpt) {
        c = ckpt.config();
        embed = ckpt.get(LlamaCheckpoint.EMBED).toFloatArray();
        norm = ckpt.get(LlamaCheckpoint.NORM).toFloatArray();
        lmHead = ckpt.get(LlamaCheckpoint.LM_HEAD).toFloatArray();
        int L = c.nLayers();
        inNorm = new float[L][]; postNorm = new float[L][]; wq = new float[L][]; wk = new float[L][]; wv = new float[L][];
        wo = new float[L][]; gate = new float[L][]; up = new float[L][]; down = new float[L][];
        for (int l = 0; l < L; l++) {
            inNorm[l] = ckpt.get(LlamaCheckpoint.layer(l, LlamaCheckpoint.INPUT_NORM)).toFloatArray();
            postNorm[l] = ckpt.get(LlamaCheckpoint.layer(l, LlamaCheckpoint.POST_NORM)).toFloatArray();
            wq[l] = ckpt.get(LlamaCheckpoint.layer(l, LlamaCheckpoint.Q)).toFloatArray();
            wk[l] = ckpt.get(LlamaCheckpoint.layer(l, LlamaCheckpoint.K)).toFloatArray();
            wv[l] = ckpt.get(LlamaCheckpoint.layer(l, LlamaCheckpoint.V)).toFloatArray();
            wo[l] = ckpt.get(LlamaCheckpoint.layer(l, LlamaCheckpoint.O)).toFloatArray();
            gate[l] = ckpt.get(LlamaCheckpoint.layer(l, LlamaCheckpoint.GATE)).toFloatArray();
            up[l] = ckpt.get(LlamaCheckpoint.layer(l, LlamaCheckpoint.UP)).toFloatArray();
            down[l] = ckpt.get(LlamaCheckpoint.layer(l, LlamaCheckpoint.DOWN)).toFloatArray();
        }
        keyCache = new float[L][c.seqLen() * c.kvDim()];
        valueCache = new float[L][c.seqLen() * c.kvDim()];
    }

    /** y (out) = W x with W row-major (out, in). */
    private static float[] matvec(float[] w, float[] x, int out) {
        int in = x.length;
        float[] y = new float[out];
        for (int i = 0; i < out; i++) {
            float s = 0;
            for (int j = 0; j < in; j++) s += w[i * in + j] * x[j];
            y[i] = s;
        }
        return y;
    }

    private float[] rmsnorm(float[] x, float[] w) {
        float ss = 0;
        for (float v : x) ss += v * v;
        float scale = (float) (1 / Math.sqrt(ss / x.length + c.normEps()));
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = w[i] * x[i] * scale;
        return y;
    }

    /** Rotates each head's feature pairs of v (width = heads · headSize) in place. */
    private void rope(float[] v, int pos) {
        int hs = c.headSize(), half = hs / 2;
        for (int base = 0; base < v.length; base += hs)
            for (int i = 0; i < half; i++) {
                double angle = pos / Math.pow(c.ropeTheta(), 2.0 * i / hs);
                float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
                int a = c.ropeLayout() == RopeLayout.INTERLEAVED ? base + 2 * i : base + i;
                int b = c.ropeLayout() == RopeLayout.INTERLEAVED ? base + 2 * i + 1 : base + i + half;
                float x0 = v[a], x1 = v[b];
                v[a] = x0 * cos - x1 * sin;
                v[b] = x0 * sin + x1 * cos;
            }
    }

    /** Logits (vocab) for the token at position pos, given that positions 0..pos−1 were fed before. */
    public float[] forward(int token, int pos) {
        int d = c.dim(), hs = c.headSize(), kvDim = c.kvDim(), groupSize = c.nHeads() / c.nKvHeads();
        float[] x = new float[d];
        System.arraycopy(embed, token * d, x, 0, d);
        for (int l = 0; l < c.nLayers(); l++) {
            float[] xb = rmsnorm(x, inNorm[l]);
            float[] q = matvec(wq[l], xb, d), k = matvec(wk[l], xb, kvDim), v = matvec(wv[l], xb, kvDim);
            rope(q, pos);
            rope(k, pos);
            System.arraycopy(k, 0, keyCache[l], pos * kvDim, kvDim);
            System.arraycopy(v, 0, valueCache[l], pos * kvDim, kvDim);
            float[] attnOut = new float[d];
            for (int h = 0; h < c.nHeads(); h++) {
                int kvHead = h / groupSize;
                float[] scores = new float[pos + 1];
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t <= pos; t++) {
                    float s = 0;
                    for (int i = 0; i < hs; i++) s += q[h * hs + i] * keyCache[l][t * kvDim + kvHead * hs + i];
                    scores[t] = (float) (s / Math.sqrt(hs));
                    max = Math.max(max, scores[t]);
                }
                float sum = 0;
                for (int t = 0; t <= pos; t++) { scores[t] = (float) Math.exp(scores[t] - max); sum += scores[t]; }
                for (int t = 0; t <= pos; t++)
                    for (int i = 0; i < hs; i++)
                        attnOut[h * hs + i] += scores[t] / sum * valueCache[l][t * kvDim + kvHead * hs + i];
            }
            float[] o = matvec(wo[l], attnOut, d);
            for (int i = 0; i < d; i++) x[i] += o[i];
            xb = rmsnorm(x, postNorm[l]);
            float[] g = matvec(gate[l], xb, c.hiddenDim()), u = matvec(up[l], xb, c.hiddenDim());
            for (int i = 0; i < g.length; i++) g[i] = (float) (g[i] / (1 + Math.exp(-g[i]))) * u[i];   // SiLU(gate) · up
            float[] dn = matvec(down[l], g, d);
            for (int i = 0; i < d; i++) x[i] += dn[i];
        }
        return matvec(lmHead, rmsnorm(x, norm), c.vocabSize());
    }

    /** Greedy decoding from BOS (id 1), stopping at BOS as run.c does. */
    public List<Integer> greedy(int steps) {
        List<Integer> out = new ArrayList<>();
        int token = 1;
        for (int pos = 0; pos < steps; pos++) {
            float[] logits = forward(token, pos);
            int best = 0;
            for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
            if (best == 1) break;
            out.add(best);
            token = best;
        }
        return out;
    }
}

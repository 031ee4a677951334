package rlhf4j.transformer.gpt2;

import java.util.Map;
import rlhf4j.tensor.Tensor;

/** A scalar GPT-2 forward pass over one sequence, written from the paper's equations, to check the tensor model. */
final class NaiveGpt2 {
    private final GptConfig c;
    private final Map<String, Tensor> s;

    NaiveGpt2(Gpt2 model) {
        c = model.config;
        s = model.stateDict();
    }

    private float[] w(String name) { return s.get(name).toFloatArray(); }

    /** Logits (T · V) of every position. */
    float[] logits(int[] ids) {
        int t = ids.length, d = c.nEmbd(), nh = c.nHead(), hs = c.headSize(), v = c.vocabSize();
        float[] wte = w("wte.weight"), wpe = w("wpe.weight");
        float[][] x = new float[t][d];
        for (int i = 0; i < t; i++) for (int j = 0; j < d; j++) x[i][j] = wte[ids[i] * d + j] + wpe[i * d + j];
        for (int l = 0; l < c.nLayer(); l++) {
            String p = "h." + l + ".";
            float[][] a = new float[t][];
            for (int i = 0; i < t; i++) a[i] = conv(layerNorm(x[i], w(p + "ln_1.weight"), w(p + "ln_1.bias")), w(p + "attn.c_attn.weight"), w(p + "attn.c_attn.bias"));
            float[][] y = new float[t][d];
            for (int h = 0; h < nh; h++)
                for (int i = 0; i < t; i++) {
                    double[] sc = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int e = 0; e < hs; e++) dot += a[i][h * hs + e] * a[j][d + h * hs + e];   // q_i · k_j
                        sc[j] = dot / Math.sqrt(hs);
                        max = Math.max(max, sc[j]);
                    }
                    for (int j = 0; j <= i; j++) { sc[j] = Math.exp(sc[j] - max); sum += sc[j]; }
                    for (int j = 0; j <= i; j++)
                        for (int e = 0; e < hs; e++) y[i][h * hs + e] += (float) (sc[j] / sum * a[j][2 * d + h * hs + e]);
                }
            for (int i = 0; i < t; i++) {
                float[] o = conv(y[i], w(p + "attn.c_proj.weight"), w(p + "attn.c_proj.bias"));
                for (int j = 0; j < d; j++) x[i][j] += o[j];
                float[] f = conv(layerNorm(x[i], w(p + "ln_2.weight"), w(p + "ln_2.bias")), w(p + "mlp.c_fc.weight"), w(p + "mlp.c_fc.bias"));
                for (int j = 0; j < f.length; j++) {
                    double u = f[j];
                    f[j] = (float) (0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u))));
                }
                float[] m = conv(f, w(p + "mlp.c_proj.weight"), w(p + "mlp.c_proj.bias"));
                for (int j = 0; j < d; j++) x[i][j] += m[j];
            }
        }
        float[] out = new float[t * v];
        for (int i = 0; i < t; i++) {
            float[] hN = layerNorm(x[i], w("ln_f.weight"), w("ln_f.bias"));
            for (int k = 0; k < v; k++) {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += hN[j] * wte[k * d + j];
                out[i * v + k] = (float) dot;
            }
        }
        return out;
    }

    /** y = x W + b with W (in, out). */
    private static float[] conv(float[] x, float[] w, float[] b) {
        int out = b.length;
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            double acc = b[o];
            for (int i = 0; i < x.length; i++) acc += x[i] * w[i * out + o];
            y[o] = (float) acc;
        }
        return y;
    }

    private static float[] layerNorm(float[] x, float[] g, float[] b) {
        double mean = 0, var = 0;
        for (float f : x) mean += f;
        mean /= x.length;
        for (float f : x) var += (f - mean) * (f - mean);
        var /= x.length;
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) ((x[i] - mean) / Math.sqrt(var + 1e-5) * g[i] + b[i]);
        return y;
    }
}

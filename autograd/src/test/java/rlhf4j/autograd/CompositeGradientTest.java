package rlhf4j.autograd;

import static rlhf4j.autograd.TestData.randn;

import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Tensor;

/** Gradient checks of the compositions the models and PPO are built from. */
class CompositeGradientTest {
    private final GradCheck check = GradCheck.standard();

    /** Causal self-attention with 2 heads: x (B, T, C) and a fused qkv weight (3C, C), as in GPT-2. */
    @Test void causalSelfAttention() {
        int b = 2, t = 3, c = 4, heads = 2, hd = c / heads;
        check.check("attention", v -> {
            Variable x = v[0], wQkv = v[1];
            Variable[] qkv = x.matmul(wQkv.mT()).chunk(3, -1);                              // 3 × (B, T, C)
            Variable q = qkv[0].view(b, t, heads, hd).transpose(1, 2);                        // (B, H, T, hd)
            Variable k = qkv[1].view(b, t, heads, hd).transpose(1, 2);
            Variable val = qkv[2].view(b, t, heads, hd).transpose(1, 2);
            Variable att = q.matmul(k.mT()).mul(1.0 / Math.sqrt(hd));                         // (B, H, T, T)
            att = Functional.causalMask(att).softmax();
            return att.matmul(val).transpose(1, 2).reshape(b, t, c);                          // (B, T, C)
        }, randn(1, b, t, c), randn(2, 3 * c, c).mul(0.5));
    }

    /** Tied input embedding and output head: the weight gets gradients from both uses. */
    @Test void tiedEmbeddingAndHead() {
        Tensor ids = Tensor.ofInts(new int[]{1, 3, 3, 0}, 2, 2);
        Tensor targets = Tensor.ofInts(new int[]{3, 0, -1, 2}, 2, 2);
        check.check("tied weights", v -> {
            Variable h = Functional.embedding(v[0], ids).tanh();                              // (B, T, C)
            return Functional.crossEntropy(h.matmul(v[0].mT()), targets, -1);                // logits (B, T, V)
        }, randn(3, 5, 3));
    }

    /** PPO's clipped surrogate on log-probs of the chosen tokens. */
    @Test void ppoClippedObjective() {
        Tensor actions = Tensor.ofInts(new int[]{2, 0, 1}, 3, 1);
        Tensor oldLogp = Tensor.of(-1.2f, -0.9f, -1.1f);
        Tensor adv = Tensor.of(0.7f, -1.3f, 0.4f);
        check.check("ppo", v -> {
            Variable logp = v[0].logSoftmax().gather(-1, actions).squeeze(-1);               // (N)
            Variable ratio = logp.sub(oldLogp).exp();
            Variable unclipped = ratio.mul(adv), clipped = ratio.clamp(0.8, 1.2).mul(adv);
            return unclipped.minimum(clipped).mean().neg();
        }, randn(4, 3, 4).mul(0.3));
    }

    /** A Llama-style block piece: RMSNorm, SwiGLU MLP. */
    @Test void rmsNormSwiGlu() {
        check.check("swiglu", v -> {
            Variable h = Functional.rmsNorm(v[0], v[1], 1e-6);
            return h.matmul(v[2].mT()).silu().mul(h.matmul(v[3].mT())).matmul(v[4].mT());
        }, randn(5, 2, 3, 4), randn(6, 4), randn(7, 6, 4).mul(0.5), randn(8, 6, 4).mul(0.5), randn(9, 4, 6).mul(0.5));
    }
}

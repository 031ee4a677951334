package rlhf4j.rlhf.ppo;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class GaeTest {
    @Test void matchesAHandWorkedExample() {
        // row 0: 3 tokens, row 1: 2 tokens and one pad; γ = 0.9, λ = 0.5
        float[] rewards = {0.0f, 0.5f, 1.0f, /**/ 2.0f, -1.0f, 9f};
        float[] values = {0.1f, 0.2f, 0.3f, /**/ 0.5f, 0.4f, 9f};
        Gae.Result g = Gae.compute(rewards, values, new int[]{3, 2}, 3, 0.9, 0.5);
        // row 0 backwards: δ2 = 1 − 0.3 = 0.7, A2 = 0.7
        //   δ1 = 0.5 + 0.9·0.3 − 0.2 = 0.57, A1 = 0.57 + 0.45·0.7 = 0.885
        //   δ0 = 0 + 0.9·0.2 − 0.1 = 0.08,  A0 = 0.08 + 0.45·0.885 = 0.47825
        // row 1: δ1 = −1 − 0.4 = −1.4, A1 = −1.4; δ0 = 2 + 0.9·0.4 − 0.5 = 1.86, A0 = 1.86 − 0.45·1.4 = 1.23
        float[] adv = {0.47825f, 0.885f, 0.7f, 1.23f, -1.4f, 0f};
        float[] ret = {0.57825f, 1.085f, 1.0f, 1.73f, -1.0f, 0f};
        assertArrayEquals(adv, g.advantages(), 1e-6f);
        assertArrayEquals(ret, g.returns(), 1e-6f);
    }

    @Test void gammaOneLambdaOneIsTheRewardToGoMinusValue() {
        float[] rewards = {1, 2, 3, 4}, values = {0.5f, -1, 2, 0};
        Gae.Result g = Gae.compute(rewards, values, new int[]{4}, 4, 1, 1);
        assertArrayEquals(new float[]{10 - 0.5f, 9 + 1, 7 - 2, 4}, g.advantages(), 1e-6f);
        assertArrayEquals(new float[]{10, 9, 7, 4}, g.returns(), 1e-6f);
    }

    @Test void whiteningIgnoresPadding() {
        float[] x = {1, 2, 3, 100}, mask = {1, 1, 1, 0};
        float[] w = Masked.whiten(x, mask, false);
        double sd = Math.sqrt(2.0 / 3);
        assertArrayEquals(new float[]{(float) (-1 / sd), 0, (float) (1 / sd), 0}, w, 1e-4f);
    }

    @Test void shapedRewardsPriceKlOnEveryTokenAndPayTheScoreAtTheLast() {
        // row 0: 3 tokens, ended with the stop token; row 1: 2 tokens and one pad, no stop token
        Rollout.Tokens tokens = new Rollout.Tokens(new int[12], new int[12], 1, 3, new int[]{3, 2}, new float[]{1, 1, 1, 1, 1, 0},
                new boolean[]{true, false});
        Rollout.Outputs out = new Rollout.Outputs(new float[]{-1, -2, -0.5f, -1, -1, 7}, new float[]{-1.5f, -2, -1, -0.5f, -1, 3},
                new float[6], new float[6]);
        // β = 0.5, missing-EOS penalty 0.25, reward clip 0.6, no whitening
        float[] r = ShapedRewards.compute(out, tokens, new float[]{0.9f, 0.3f}, 0.5, new PpoConfig.Advantage(1, 0.95, false, 0.6, 0.25));
        // row 0: k1 = (0.5, 0, 0.5) → −β·k1 = (−0.25, 0, −0.25); the score 0.9 clipped to 0.6 lands on the last token
        // row 1: k1 = (−0.5, 0) → (0.25, 0); the score 0.3 − 0.25 (no stop token) = 0.05 on its last token; the pad stays 0
        assertArrayEquals(new float[]{-0.25f, 0, 0.35f, 0.25f, 0.05f, 0}, r, 1e-6f);
        float[] w = ShapedRewards.compute(out, tokens, new float[]{0.9f, 0.3f}, 0.5, new PpoConfig.Advantage(1, 0.95, true, 0.6, 0.25));
        assertEquals(Masked.mean(r, tokens.mask()), Masked.mean(w, tokens.mask()), 1e-6, "whitening keeps the rewards' mean");
        assertEquals(1.0, Masked.variance(w, tokens.mask()), 1e-4);
        assertEquals(0f, w[5]);
    }

    @Test void adaptiveKlFollowsZiegler() {
        KlController c = new KlController(0.1, true, 6, 100);
        c.update(12, 10);                     // error clipped to 0.2: β·(1 + 0.2·10/100)
        assertEquals(0.1 * 1.02, c.beta(), 1e-12);
        c.update(5.4, 10);                    // error −0.1: β·(1 − 0.01)
        assertEquals(0.1 * 1.02 * 0.99, c.beta(), 1e-12);
        KlController fixed = new KlController(0.1, false, 6, 100);
        fixed.update(100, 10);
        assertEquals(0.1, fixed.beta());
    }
}

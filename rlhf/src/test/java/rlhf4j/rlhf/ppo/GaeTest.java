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

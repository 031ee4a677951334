package rlhf4j.rlhf.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GroupAdvantagesTest {
    // two groups of 4: {1, 2, 3, 6} (mean 3, population std √3.5) and {0, 0, 1, 1} (mean 0.5, std 0.5)
    static final float[] SCORES = {1, 2, 3, 6, 0, 0, 1, 1};

    @Test void grpoIsTheGroupZScore() {
        float[] a = GroupAdvantages.compute(SCORES, 4, Baseline.GRPO, 1e-4);
        double s1 = Math.sqrt(3.5), s2 = 0.5;
        float[] expected = {(float) (-2 / (s1 + 1e-4)), (float) (-1 / (s1 + 1e-4)), 0f, (float) (3 / (s1 + 1e-4)),
                (float) (-0.5 / (s2 + 1e-4)), (float) (-0.5 / (s2 + 1e-4)), (float) (0.5 / (s2 + 1e-4)), (float) (0.5 / (s2 + 1e-4))};
        assertArrayEquals(expected, a, 1e-6f);
        assertEquals(-0.5 / 0.5001, a[4], 1e-6, "ε is added to σ, not to the variance");
    }

    @Test void drGrpoSubtractsTheMeanOnly() {
        assertArrayEquals(new float[]{-2, -1, 0, 3, -0.5f, -0.5f, 0.5f, 0.5f}, GroupAdvantages.compute(SCORES, 4, Baseline.DR_GRPO, 1e-4), 1e-6f);
    }

    @Test void rlooSubtractsTheMeanOfTheOthers() {
        // 1 − (2+3+6)/3, 2 − (1+3+6)/3, 3 − (1+2+6)/3, 6 − (1+2+3)/3; 0 − (0+1+1)/3, ..., 1 − (0+0+1)/3
        float[] expected = {1 - 11f / 3, 2 - 10f / 3, 3 - 3f, 6 - 2f, -2f / 3, -2f / 3, 1 - 1f / 3, 1 - 1f / 3};
        float[] a = GroupAdvantages.compute(SCORES, 4, Baseline.RLOO, 1e-4);
        assertArrayEquals(expected, a, 1e-6f);
        float[] dr = GroupAdvantages.compute(SCORES, 4, Baseline.DR_GRPO, 1e-4);
        for (int i = 0; i < a.length; i++) assertEquals(4.0 / 3 * dr[i], a[i], 1e-6, "RLOO = K/(K−1)·(r − μ)");
    }

    @Test void aGroupOfEqualScoresHasZeroAdvantageUnderEveryBaseline() {
        float[] scores = {0.1f, 0.1f, 0.1f, 0.7f, 0.2f, 0.3f};
        for (Baseline b : Baseline.values()) {
            float[] a = GroupAdvantages.compute(scores, 3, b, 1e-4);
            assertArrayEquals(new float[]{0, 0, 0}, new float[]{a[0], a[1], a[2]}, b + ": exactly zero");
        }
    }

    @Test void groupsMustBeWhole() {
        assertThrows(IllegalArgumentException.class, () -> GroupAdvantages.compute(new float[5], 2, Baseline.GRPO, 1e-4));
        assertThrows(IllegalArgumentException.class, () -> GroupAdvantages.compute(new float[4], 1, Baseline.RLOO, 1e-4));
        assertEquals(Baseline.DR_GRPO, Baseline.parse("dr-grpo"));
        assertThrows(IllegalArgumentException.class, () -> Baseline.parse("ppo"));
    }
}

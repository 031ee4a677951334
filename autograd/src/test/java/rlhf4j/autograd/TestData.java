package rlhf4j.autograd;

import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Tensor;

/** Deterministic test inputs. */
final class TestData {
    private TestData() {}

    /** Normal values pushed at least 0.1 away from 0 (so kinks of relu/abs/max are not straddled by ±eps). */
    static Tensor randn(long seed, int... shape) {
        float[] v = Tensor.randn(seed, shape).toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = v[i] >= 0 ? v[i] + 0.1f : v[i] - 0.1f;
        return Tensor.of(v, shape);
    }

    /** Uniform values in [0.5, 2): safe for log, sqrt, division and fractional powers. */
    static Tensor positive(long seed, int... shape) {
        float[] v = new float[(int) rlhf4j.tensor.Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = 0.5f + 1.5f * CounterRng.uniform(seed, i);
        return Tensor.of(v, shape);
    }

    /** Distinct values in random order (so max/min have no ties). */
    static Tensor distinct(long seed, int... shape) {
        int n = (int) rlhf4j.tensor.Shapes.numel(shape);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (i - n / 2) * 0.1f;
        for (int i = n - 1; i > 0; i--) {
            int j = (int) (CounterRng.uniform(seed, i) * (i + 1));
            float t = v[i]; v[i] = v[j]; v[j] = t;
        }
        return Tensor.of(v, shape);
    }
}

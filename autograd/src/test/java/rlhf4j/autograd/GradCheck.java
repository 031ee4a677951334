package rlhf4j.autograd;

import java.util.Arrays;
import java.util.function.Function;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/**
 * Checks an op's analytic gradient against central finite differences.
 *
 * <p>The scalar that is differentiated is L = Σᵢ wᵢ·yᵢ with fixed random weights w, so every output element
 * matters with a different weight (a plain sum would hide errors that cancel). Analytically, dL/dy = w is the
 * seed of {@code y.backward(w)}; numerically, each input element is nudged by ±eps in place (views keep their
 * strides, so non-contiguous inputs are checked as they are) and L is evaluated in double on the host:
 * dL/dx ≈ (L(x + eps) − L(x − eps)) / 2eps. Agreement means |a − n| ≤ atol + rtol·max(|a|, |n|).
 *
 * <p>Plain Java (throws AssertionError), so other modules' tests can reuse it.
 */
public final class GradCheck {
    private final double eps, rtol, atol;

    private GradCheck(double eps, double rtol, double atol) {
        this.eps = eps;
        this.rtol = rtol;
        this.atol = atol;
    }

    /** eps 1e−3, rtol 1e−2, atol 1e−3: right for float32 ops on values of order 1. */
    public static GradCheck standard() { return new GradCheck(1e-3, 1e-2, 1e-3); }

    public static GradCheck with(double eps, double rtol, double atol) { return new GradCheck(eps, rtol, atol); }

    /** Checks f's gradient with respect to every input (all become leaves that require a gradient). */
    public void check(String name, Function<Variable[], Variable> f, Tensor... inputs) {
        try (var scope = MemoryScope.open()) {
            Variable[] leaves = new Variable[inputs.length];
            for (int i = 0; i < inputs.length; i++) leaves[i] = Variable.leaf(inputs[i]);
            Variable y = f.apply(leaves);
            Tensor w = Tensor.randn(0x5EED, y.shape());                                  // dL/dy
            float[] weights = w.toFloatArray();
            y.backward(w);

            for (int i = 0; i < inputs.length; i++) {
                Tensor x = inputs[i];
                float[] analytic = leaves[i].grad() == null ? new float[(int) x.numel()] : leaves[i].grad().toFloatArray();
                int[] shape = x.shape();
                int[] idx = new int[shape.length];
                for (int j = 0; j < analytic.length; j++) {
                    float orig = x.get(idx);
                    Tensor element = elementView(x, idx);
                    element.fill(orig + eps);
                    double plus = loss(f, inputs, weights);
                    element.fill(orig - eps);
                    double minus = loss(f, inputs, weights);
                    element.fill(orig);
                    double numeric = (plus - minus) / (2 * eps);
                    double a = analytic[j];
                    if (!(Math.abs(a - numeric) <= atol + rtol * Math.max(Math.abs(a), Math.abs(numeric))))
                        throw new AssertionError(name + ": gradient of input " + i + " " + Arrays.toString(shape) + " at " + Arrays.toString(idx)
                                + ": analytic " + a + " vs numeric " + numeric);
                    for (int d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
                }
            }
        }
    }

    /** L = Σ w·y computed in double on the host, without recording a graph. */
    private static double loss(Function<Variable[], Variable> f, Tensor[] inputs, float[] weights) {
        try (var scope = MemoryScope.open(); var ng = Grad.off()) {
            Variable[] c = new Variable[inputs.length];
            for (int i = 0; i < inputs.length; i++) c[i] = Variable.constant(inputs[i]);
            float[] y = f.apply(c).value().toFloatArray();
            double sum = 0;
            for (int k = 0; k < y.length; k++) sum += (double) weights[k] * y[k];
            return sum;
        }
    }

    /** A one-element view of x at idx (shares storage, so fill() writes into x). */
    private static Tensor elementView(Tensor x, int[] idx) {
        Tensor v = x;
        for (int d = 0; d < idx.length; d++) v = v.narrow(d, idx[d], 1);
        return v;
    }
}

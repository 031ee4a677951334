package rlhf4j.cuda;

import java.util.function.Function;

/**
 * Double-precision reference implementations of the fused kernels, written from their definitions, and a
 * central-difference gradient so backward kernels are checked against the forward math, not against a second
 * copy of the same derivation. Rows are the leading dims, C the last.
 */
final class References {
    private References() {}

    static double[] softmax(double[] x, int c, boolean log) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / c; r++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < c; j++) m = Math.max(m, x[r * c + j]);
            for (int j = 0; j < c; j++) s += Math.exp(x[r * c + j] - m);
            for (int j = 0; j < c; j++)
                y[r * c + j] = log ? x[r * c + j] - m - Math.log(s) : Math.exp(x[r * c + j] - m) / s;
        }
        return y;
    }

    /** Returns out; mean and rstd (per row) are written into the given arrays when not null. */
    static double[] layerNorm(double[] x, double[] w, double[] b, int c, double eps, double[] mean, double[] rstd) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / c; r++) {
            double mu = 0, var = 0;
            for (int j = 0; j < c; j++) mu += x[r * c + j];
            mu /= c;
            for (int j = 0; j < c; j++) var += (x[r * c + j] - mu) * (x[r * c + j] - mu);
            var /= c;
            double rs = 1 / Math.sqrt(var + eps);
            if (mean != null) { mean[r] = mu; rstd[r] = rs; }
            for (int j = 0; j < c; j++) y[r * c + j] = (x[r * c + j] - mu) * rs * w[j] + b[j];
        }
        return y;
    }

    static double[] rmsNorm(double[] x, double[] w, int c, double eps, double[] rstd) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / c; r++) {
            double q = 0;
            for (int j = 0; j < c; j++) q += x[r * c + j] * x[r * c + j];
            double rs = 1 / Math.sqrt(q / c + eps);
            if (rstd != null) rstd[r] = rs;
            for (int j = 0; j < c; j++) y[r * c + j] = x[r * c + j] * rs * w[j];
        }
        return y;
    }

    /** losses (N); lse (N) written when not null. */
    static double[] crossEntropy(double[] logits, int[] targets, int v, int ignore, double[] lse) {
        double[] loss = new double[targets.length];
        for (int r = 0; r < targets.length; r++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < v; j++) m = Math.max(m, logits[r * v + j]);
            for (int j = 0; j < v; j++) s += Math.exp(logits[r * v + j] - m);
            double l = m + Math.log(s);
            if (lse != null) lse[r] = l;
            loss[r] = targets[r] == ignore ? 0 : l - logits[r * v + targets[r]];
        }
        return loss;
    }

    /** ∂/∂x of Σ dy·f(x), by central differences in double. */
    static double[] gradient(Function<double[], double[]> f, double[] x, double[] dy) {
        double h = 1e-5;
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double saved = x[i];
            x[i] = saved + h;
            double[] up = f.apply(x);
            x[i] = saved - h;
            double[] down = f.apply(x);
            x[i] = saved;
            double s = 0;
            for (int j = 0; j < dy.length; j++) s += dy[j] * (up[j] - down[j]);
            g[i] = s / (2 * h);
        }
        return g;
    }
}

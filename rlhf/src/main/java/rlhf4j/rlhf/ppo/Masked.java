package rlhf4j.rlhf.ppo;

/** Statistics over the real (mask 1) entries of (B, N) host arrays, in double precision. */
public final class Masked {
    private Masked() {}

    public static double mean(float[] x, float[] mask) {
        double s = 0, n = 0;
        for (int i = 0; i < x.length; i++) { s += x[i] * mask[i]; n += mask[i]; }
        return n == 0 ? 0 : s / n;
    }

    /** Population variance (as the mean of squares about the mean). */
    public static double variance(float[] x, float[] mask) {
        double m = mean(x, mask), s = 0, n = 0;
        for (int i = 0; i < x.length; i++) if (mask[i] != 0) { s += (x[i] - m) * (x[i] - m); n++; }
        return n == 0 ? 0 : s / n;
    }

    /**
     * (x − mean)/√(var + 1e−8) on real entries, 0 on padding; with keepMean the mean is added back (used for
     * rewards, whose level carries information, as opposed to advantages).
     */
    public static float[] whiten(float[] x, float[] mask, boolean keepMean) {
        double m = mean(x, mask), inv = 1 / Math.sqrt(variance(x, mask) + 1e-8);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++)
            if (mask[i] != 0) out[i] = (float) ((x[i] - m) * inv + (keepMean ? m : 0));
        return out;
    }

    /** Mean and population standard deviation of a plain array. */
    public static double[] meanStd(float[] x) {
        double s = 0;
        for (float f : x) s += f;
        double m = x.length == 0 ? Double.NaN : s / x.length, v = 0;
        for (float f : x) v += (f - m) * (f - m);
        return new double[]{m, x.length == 0 ? Double.NaN : Math.sqrt(v / x.length)};
    }

    /** The first non-finite entry's index, or −1. */
    public static int firstNonFinite(float[] x) {
        for (int i = 0; i < x.length; i++) if (!Float.isFinite(x[i])) return i;
        return -1;
    }
}

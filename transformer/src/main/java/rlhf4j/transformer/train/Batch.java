package rlhf4j.transformer.train;

import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;

/**
 * One micro-batch for next-token prediction: the model reads {@code inputs} and is scored on {@code targets},
 * where {@code targets[b][t]} is the token that follows {@code inputs[b][t]}, or {@link #IGNORE} where no loss is
 * taken (prompt tokens in SFT, padding).
 *
 * @param inputs  token ids, B rows of T
 * @param targets next-token ids or IGNORE, B rows of T
 */
public record Batch(int[][] inputs, int[][] targets) {
    /** The target id that contributes no loss (PyTorch's ignore_index default). */
    public static final int IGNORE = -100;

    public Batch {
        if (inputs.length == 0 || inputs.length != targets.length)
            throw new IllegalArgumentException("a batch needs as many target rows as input rows (and at least one), got "
                    + inputs.length + " and " + targets.length);
        int t = inputs[0].length;
        for (int b = 0; b < inputs.length; b++)
            if (inputs[b].length != t || targets[b].length != t)
                throw new IllegalArgumentException("row " + b + " has " + inputs[b].length + " inputs and "
                        + targets[b].length + " targets; every row needs " + t);
    }

    public int rows() { return inputs.length; }

    public int length() { return inputs[0].length; }

    /** Rows [start, start + count) as a batch of their own (the rows are shared, not copied). */
    public Batch rows(int start, int count) {
        if (start < 0 || count <= 0 || start + count > rows())
            throw new IllegalArgumentException("rows " + start + " … " + (start + count) + " of a " + rows() + "-row batch");
        return new Batch(java.util.Arrays.copyOfRange(inputs, start, start + count),
                java.util.Arrays.copyOfRange(targets, start, start + count));
    }

    /** Number of targets that are scored (not IGNORE). */
    public long scoredTokens() {
        long n = 0;
        for (int[] row : targets) for (int y : row) if (y != IGNORE) n++;
        return n;
    }

    /** The inputs as an I32 (B, T) tensor on the device. */
    public Tensor inputTensor(Device device) { return tensor(inputs, device); }

    /** The targets as an I32 (B, T) tensor on the device. */
    public Tensor targetTensor(Device device) { return tensor(targets, device); }

    private static Tensor tensor(int[][] rows, Device device) {
        int b = rows.length, t = rows[0].length;
        int[] flat = new int[b * t];
        for (int i = 0; i < b; i++) System.arraycopy(rows[i], 0, flat, i * t, t);
        Tensor host = Tensor.ofInts(flat, b, t);                                 // (B, T)
        return device.equals(Device.CPU) ? host : host.to(device);
    }
}

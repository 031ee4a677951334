package rlhf4j.autograd;

import rlhf4j.tensor.Tensor;

/**
 * A trainable leaf owned by a {@link Module}: its value and gradient are long-lived buffers (allocated outside
 * any {@link rlhf4j.tensor.MemoryScope}) that optimizers update in place, step after step.
 */
public final class Parameter extends Variable {

    /** Wraps a long-lived tensor (allocate it outside scopes, e.g. with {@link Init}). */
    public Parameter(Tensor value) {
        super(value, true, "leaf", new Variable[0], null);
        if (!value.isContiguous())
            throw new IllegalArgumentException("a parameter must be contiguous (optimizers update it in place), got " + value);
    }

    /** Overwrites the value in place (keeps the buffer, so optimizer references stay valid). */
    public void set(Tensor source) {
        if (!java.util.Arrays.equals(source.shape(), value().shape()))
            throw new IllegalArgumentException("cannot set parameter of shape " + java.util.Arrays.toString(value().shape())
                    + " from a tensor of shape " + java.util.Arrays.toString(source.shape()));
        value().copyFrom(source);
    }

    /**
     * Makes {@code buffer} (contiguous F32 of this shape, long-lived) this parameter's gradient, keeping its contents:
     * backward adds into it in place. Data parallelism points every gradient into one flat all-reduce bucket so.
     */
    public void useGradBuffer(Tensor buffer) { super.useGradBuffer(buffer); }
}

package rlhf4j.autograd.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import rlhf4j.autograd.Parameter;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/**
 * Updates named parameters in place from their gradients. State (moments, momentum buffers) is long-lived and
 * keyed by parameter name, so {@link #stateDict()} / {@link #loadStateDict} resume a run exactly.
 */
public abstract class Optimizer {
    protected final Map<String, Parameter> params;
    protected double lr;
    protected int step;                                  // number of step() calls so far
    private final Map<String, Tensor> state = new LinkedHashMap<>();

    protected Optimizer(Map<String, Parameter> params, double lr) {
        if (params.isEmpty()) throw new IllegalArgumentException("optimizer given no parameters");
        this.params = new LinkedHashMap<>(params);
        this.lr = lr;
    }

    /** One update of every parameter that has a gradient; temporaries live in a scope of their own. */
    public void step() {
        step++;
        try (var scratch = MemoryScope.open()) {
            for (var e : params.entrySet()) {
                Parameter p = e.getValue();
                if (p.grad() != null) update(e.getKey(), p, p.grad());
            }
        }
    }

    /** Updates one parameter in place; {@link #step} is already incremented (1 on the first call). */
    protected abstract void update(String name, Parameter p, Tensor grad);

    /** Zeroes every parameter's gradient buffer. */
    public void zeroGrad() {
        for (Parameter p : params.values()) p.zeroGrad();
    }

    public double lr() { return lr; }

    public void setLr(double lr) { this.lr = lr; }

    /** Number of steps taken. */
    public int stepCount() { return step; }

    public Map<String, Parameter> parameters() { return java.util.Collections.unmodifiableMap(params); }

    /** A named state buffer of the parameter's shape, created long-lived and zeroed on first use. */
    protected final Tensor stateFor(String key, Parameter p) {
        return state.computeIfAbsent(key, k -> MemoryScope.unscoped(
                () -> Tensor.zeros(DType.F32, p.value().device(), p.value().shape())));
    }

    protected final boolean hasState(String key) { return state.containsKey(key); }

    /** The state tensors by key (e.g. "m.h.0.attn.c_attn.weight") plus "step" as an I32 scalar. Not copies. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>(state);
        out.put("step", MemoryScope.unscoped(() -> Tensor.ofInts(new int[]{step})));
        return out;
    }

    /** Restores state saved by {@link #stateDict()} (copied into long-lived buffers) and the step count. */
    public void loadStateDict(Map<String, Tensor> saved) {
        Tensor s = saved.get("step");
        if (s == null) throw new IllegalArgumentException("optimizer state dict has no 'step' entry");
        for (var e : saved.entrySet()) {
            if (e.getKey().equals("step")) continue;
            String paramName = e.getKey().substring(e.getKey().indexOf('.') + 1);
            Parameter p = params.get(paramName);
            if (p == null)
                throw new IllegalArgumentException("optimizer state '" + e.getKey() + "' names no parameter of this optimizer");
            if (!java.util.Arrays.equals(e.getValue().shape(), p.value().shape()))
                throw new IllegalArgumentException("optimizer state '" + e.getKey() + "' has shape "
                        + java.util.Arrays.toString(e.getValue().shape()) + " but parameter '" + paramName + "' has shape "
                        + java.util.Arrays.toString(p.value().shape()));
        }
        state.clear();
        for (var e : saved.entrySet()) {
            if (e.getKey().equals("step")) continue;
            Parameter p = params.get(e.getKey().substring(e.getKey().indexOf('.') + 1));
            stateFor(e.getKey(), p).copyFrom(e.getValue().to(p.value().device()));
        }
        step = s.toIntArray()[0];
    }
}

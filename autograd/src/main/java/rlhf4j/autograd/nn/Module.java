package rlhf4j.autograd.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rlhf4j.autograd.Parameter;
import rlhf4j.tensor.Tensor;

/**
 * A node of a model tree: owns parameters, buffers (state that is saved but not trained) and child modules, each
 * under a short name. Full names join the path with dots, as in PyTorch: {@code h.0.attn.c_attn.weight}.
 *
 * <p>Subclasses register what they own in their constructor, in the order a checkpoint lists it:
 * <pre>{@code
 * this.weight = registerParameter("weight", new Parameter(Init.normal(seed, 0.02, out, in)));
 * this.attn   = registerModule("attn", new Attention(...));
 * }</pre>
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    protected final Parameter registerParameter(String name, Parameter p) {
        checkName(name);
        parameters.put(name, p);
        return p;
    }

    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    /** Registers a saved, untrained tensor (e.g. a RoPE table); stored long-lived. */
    protected final Tensor registerBuffer(String name, Tensor t) {
        checkName(name);
        buffers.put(name, t);
        return t;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException("module member name must be non-empty without dots, got '" + name + "'");
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException(getClass().getSimpleName() + " already has a member named '" + name + "'");
    }

    /** Child modules by short name, in registration order. */
    public Map<String, Module> children() { return java.util.Collections.unmodifiableMap(children); }

    /**
     * Every parameter by full dotted name, in registration order (depth first). A parameter shared by two modules
     * (tied weights) is listed once, under its first name.
     */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Set<Parameter> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        collectParameters("", out, seen);
        return out;
    }

    private void collectParameters(String prefix, Map<String, Parameter> out, Set<Parameter> seen) {
        for (var e : parameters.entrySet()) if (seen.add(e.getValue())) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collectParameters(prefix + e.getKey() + ".", out, seen);
    }

    public List<Parameter> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Total number of trainable scalars. */
    public long numParameters() {
        long n = 0;
        for (Parameter p : parameters()) n += p.numel();
        return n;
    }

    /** Parameter values and buffers by full name (the tensors themselves, not copies). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        for (var e : parameters.entrySet()) out.putIfAbsent(prefix + e.getKey(), e.getValue().value());
        for (var e : buffers.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collectState(prefix + e.getKey() + ".", out);
    }

    /**
     * Copies tensors into the parameters and buffers with the same full names (in place, so optimizers keep their
     * references). Shapes and dtypes must match exactly. With strict, a key missing on either side is an error too; without,
     * unknown keys are ignored and missing ones keep their current values.
     *
     * @return the names that were loaded
     */
    public Set<String> loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        if (strict) {
            List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
            for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
            for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
            if (!missing.isEmpty() || !unexpected.isEmpty())
                throw new IllegalArgumentException("loadStateDict (strict): missing keys " + missing + ", unexpected keys "
                        + unexpected);
        }
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) continue;
            Tensor dst = e.getValue();
            if (!Arrays.equals(src.shape(), dst.shape()))
                throw new IllegalArgumentException("loadStateDict: '" + e.getKey() + "' has shape " + Arrays.toString(src.shape())
                        + " in the state dict but " + Arrays.toString(dst.shape()) + " in the model");
            if (src.dtype() != dst.dtype())   // an I32 tensor copied into F32 weights would load as wrong values
                throw new IllegalArgumentException("loadStateDict: '" + e.getKey() + "' is " + src.dtype()
                        + " in the state dict but " + dst.dtype() + " in the model; dtypes are not converted");
        }
        Set<String> loaded = new LinkedHashSet<>();
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) continue;
            Tensor dst = e.getValue();
            Tensor onDevice = src.device().equals(dst.device()) ? src : src.to(dst.device());
            dst.copyFrom(onDevice);
            loaded.add(e.getKey());
        }
        return loaded;
    }

    /** Sets training mode (dropout active) on this module and every descendant. Returns this. */
    public Module train(boolean on) {
        training = on;
        for (Module c : children.values()) c.train(on);
        return this;
    }

    /** Evaluation mode: dropout becomes the identity. Returns this. */
    public Module eval() { return train(false); }

    public boolean isTraining() { return training; }

    /** Zeroes every parameter's gradient buffer in place. */
    public void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }
}

package rlhf4j.autograd.nn;

import java.util.ArrayList;
import java.util.List;
import rlhf4j.autograd.Variable;

/** Layers applied in order; children are named "0", "1", ... as in PyTorch. */
public final class Sequential extends Module implements Layer {
    private final List<Layer> layers = new ArrayList<>();

    public Sequential(Layer... layers) {
        for (Layer l : layers) add(l);
    }

    /** Appends a layer (which must also be a Module, so its parameters are registered). Returns this. */
    public Sequential add(Layer layer) {
        if (!(layer instanceof Module m))
            throw new IllegalArgumentException("Sequential layers must be Modules, got " + layer.getClass().getName());
        registerModule(Integer.toString(layers.size()), m);
        layers.add(layer);
        return this;
    }

    public Layer get(int i) { return layers.get(i); }

    public int size() { return layers.size(); }

    @Override public Variable forward(Variable x) {
        for (Layer l : layers) x = l.forward(x);
        return x;
    }

    /** An activation as a parameterless layer, e.g. {@code new Sequential(lin1, Sequential.of(Variable::gelu), lin2)}. */
    public static Layer of(java.util.function.UnaryOperator<Variable> f) {
        return new Activation(f);
    }

    private static final class Activation extends Module implements Layer {
        private final java.util.function.UnaryOperator<Variable> f;

        Activation(java.util.function.UnaryOperator<Variable> f) { this.f = f; }

        @Override public Variable forward(Variable x) { return f.apply(x); }
    }
}

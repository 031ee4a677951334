package rlhf4j.autograd.nn;

import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;

/** A lookup table: ids (...) → rows of weight (V, C), giving (..., C). Initialised N(0, 1) as in PyTorch. */
public final class Embedding extends Module {
    public final int numEmbeddings, dim;
    public final Parameter weight;   // (V, C)

    public Embedding(int numEmbeddings, int dim, double std, long seed, Device device) {
        this.numEmbeddings = numEmbeddings;
        this.dim = dim;
        this.weight = registerParameter("weight", new Parameter(Init.normal(seed, std, device, numEmbeddings, dim)));
    }

    public Embedding(int numEmbeddings, int dim, long seed) { this(numEmbeddings, dim, 1.0, seed, Device.CPU); }

    /** ids: I32 tensor of any shape. */
    public Variable forward(Tensor ids) { return Functional.embedding(weight, ids); }
}

package rlhf4j.autograd.nn;

import rlhf4j.autograd.Variable;

/** A module with one input and one output, so it can be chained in a {@link Sequential}. */
public interface Layer {
    Variable forward(Variable x);
}

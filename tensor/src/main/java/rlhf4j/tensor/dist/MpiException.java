package rlhf4j.tensor.dist;

/** An MPI call returned an error, or MPI cannot start; the message names the call and MPI's own text. */
public final class MpiException extends RuntimeException {
    public MpiException(String message) { super(message); }
}

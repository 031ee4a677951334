package rlhf4j.cuda;

/** The codes kernels write into the index-error flag (report_index_error in common.cuh), as messages. */
final class IndexErrors {
    static final int EMBEDDING = 1, EMBEDDING_BACKWARD = 2, GATHER = 3, SCATTER_ADD = 4, CROSS_ENTROPY = 5;

    private IndexErrors() {}

    static String message(int code, int value) {
        String what = switch (code) {
            case EMBEDDING -> "embedding: token id";
            case EMBEDDING_BACKWARD -> "embedding backward: token id";
            case GATHER -> "gather: index";
            case SCATTER_ADD -> "scatterAdd: index";
            case CROSS_ENTROPY -> "crossEntropy: target";
            default -> "kernel " + code + ": index";
        };
        return what + " " + value + " is out of range (found by a CUDA kernel; the offending op is among those"
                + " queued since the previous synchronisation)";
    }
}

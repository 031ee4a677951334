package rlhf4j.tensor.dist;

/**
 * Run under mpirun by {@link MpiCollectiveTest}: the last rank throws while the others wait in a barrier; it aborts
 * the job with its error, so mpirun must end every rank promptly with a failure status and that rank's message.
 */
public final class AbortCheck {
    public static void main(String[] args) {
        Collective world = Collectives.world();
        try {
            if (world.rank() == world.size() - 1) throw new IllegalStateException("rank-failure-marker: bad batch 7");
            world.barrier();                                          // would wait forever without the abort
            System.out.println("rank " + world.rank() + " passed the barrier");
        } catch (RuntimeException e) {
            world.abort(3, e.getMessage());
            System.exit(3);
        }
        world.close();
    }
}

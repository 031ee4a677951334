/**
 * Collective communication between the processes (ranks) of a data-parallel job.
 *
 * <p>{@link rlhf4j.tensor.dist.Collective} is the one interface trainers see: rank, world size, barrier, broadcast,
 * in-place all-reduce of F32 buffers, all-gather, reduce-scatter and scatter/gather of byte buffers, and abort.
 * {@link rlhf4j.tensor.dist.SingleRank} is the in-process world of one; {@link rlhf4j.tensor.dist.MpiCollective}
 * calls Open MPI's C API (libmpi.so.40) through the FFM API on the tensors' own memory, without copies.
 * {@link rlhf4j.tensor.dist.Collectives#world()} picks one: MPI when the process was started by {@code mpirun} or
 * {@code srun}, the single rank otherwise. A GPU path (NCCL, its unique id broadcast over MPI) would be a third
 * implementation living in the native module; see docs/scaling.md.
 */
package rlhf4j.tensor.dist;

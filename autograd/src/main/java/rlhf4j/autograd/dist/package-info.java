/**
 * Data-parallel training over a {@link rlhf4j.tensor.dist.Collective}: {@link rlhf4j.autograd.dist.DataParallel}
 * keeps every rank's parameters identical by averaging (or summing) gradients with bucketed in-place all-reduces.
 */
package rlhf4j.autograd.dist;

/**
 * Labelers. {@link rlhf4j.rlhf.label.TerminalLabeler} runs a human labeling session on any reader and print stream
 * (validated rankings with ties, skip, flag with comment, quit, resume). {@link rlhf4j.rlhf.label.SimulatedLabeler}
 * ranks by an oracle {@link rlhf4j.rlhf.oracle.TextScorer} with Bradley-Terry / Plackett-Luce noise at a per-labeler
 * temperature; {@link rlhf4j.rlhf.label.RandomLabeler} ranks at random, as a bad labeler for testing consensus.
 */
package rlhf4j.rlhf.label;

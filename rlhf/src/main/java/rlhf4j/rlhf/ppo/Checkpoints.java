package rlhf4j.rlhf.ppo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.run.CheckpointStore;
import rlhf4j.transformer.run.Manifest;
import rlhf4j.transformer.run.RunLock;

/**
 * A run's checkpoints: {@code RUN/checkpoints/step-000040/} after 40 iterations, holding
 * {@code policy.safetensors} (trunk + value head), {@code value_model.safetensors} (a separate critic, if any),
 * {@code optimizer.safetensors}, {@code state.json} (iterations done, β, recent mean scores) and {@code manifest.json};
 * and {@code RUN/checkpoints/best/}, the checkpoint whose policy scored highest, which rotation never deletes.
 *
 * <p>Each one is written by the shared {@link rlhf4j.transformer.run.CheckpointWriter} (temporary directory,
 * fsync, manifest, rename); {@link #newestValid} is what a resume reads.
 */
public final class Checkpoints {
    public static final String POLICY = "policy.safetensors", VALUE_MODEL = "value_model.safetensors",
            OPTIMIZER = "optimizer.safetensors", STATE = "state.json";
    /** The manifest fact of the best checkpoint: the mean score of the batch its policy generated. */
    public static final String SCORE = "score";

    /** The small state beside the tensors. */
    public record State(int iterations, double beta, List<Double> recentScores, long seed) {}

    private final Path root;

    public Checkpoints(Path runDir) { this.root = runDir.resolve("checkpoints"); }

    public Path root() { return root; }

    public static String name(int iterations) { return CheckpointStore.stepName(iterations); }

    private CheckpointStore store(int keep) { return CheckpointStore.rotating(root, keep, STATE); }

    /** Writes a checkpoint atomically and keeps only the newest {@code keep} (best apart). Returns its directory. */
    public Path save(State state, Map<String, Tensor> policy, Map<String, Tensor> valueModel, Map<String, Tensor> optimizer,
                     int keep) throws IOException {
        long bytes = 1 << 20;
        for (Map<String, Tensor> m : java.util.Arrays.asList(policy, valueModel, optimizer))
            if (m != null) for (Tensor t : m.values()) bytes += t.numel() * 4;
        return store(keep).save(state.iterations(), Map.of(), bytes, tmp -> {
            Safetensors.write(tmp.resolve(POLICY), policy);
            if (valueModel != null) Safetensors.write(tmp.resolve(VALUE_MODEL), valueModel);
            Safetensors.write(tmp.resolve(OPTIMIZER), optimizer);
            Files.writeString(tmp.resolve(STATE), RunLog.GSON.toJson(state), StandardCharsets.UTF_8);
        });
    }

    /** Makes a checkpoint of this run the best one, recording the mean score its policy reached. */
    public Path saveBest(Path checkpoint, double score) throws IOException {
        return store(1).saveBest(checkpoint, Map.of(SCORE, Double.toString(score)));
    }

    /** The best checkpoint's directory (it may not exist). */
    public Path best() { return store(1).bestPath(); }

    /** The score recorded with the best checkpoint, or −∞ when there is none. */
    public double bestScore() {
        String s = store(1).bestInfo().get(SCORE);
        return s == null ? Double.NEGATIVE_INFINITY : Double.parseDouble(s);
    }

    /** Rotating checkpoints, oldest first. */
    public List<Path> list() throws IOException { return store(1).rotating(); }

    /** The newest rotating checkpoint whose files have the sizes its manifest lists (no digests: cheap), or null. */
    public Path latest() throws IOException {
        List<Path> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path p = all.get(i);
            if (Manifest.quickProblem(p) == null || (!Files.exists(p.resolve(Manifest.FILE)) && Files.isRegularFile(p.resolve(STATE))))
                return p;
        }
        return null;
    }

    /** What a resume reads: the newest checkpoint that checks out against its manifest, best included; notes say what was skipped. */
    public Path newestValid(Consumer<String> notes) throws IOException { return store(1).newestValid(notes); }

    /** Sets aside (as NAME.corrupt) the checkpoints newer than {@code iterations} that do not check out. */
    public List<Path> setAsideNewerThan(int iterations) throws IOException { return store(1).setAsideNewerThan(iterations); }

    /** Removes the temporary directories of crashed saves (call while holding the run's lock). */
    public List<Path> cleanTemporaries() throws IOException { return store(1).cleanTemporaries(); }

    public static State readState(Path checkpoint) throws IOException {
        return RunLog.GSON.fromJson(Files.readString(checkpoint.resolve(STATE), StandardCharsets.UTF_8), State.class);
    }

    /** The state of a checkpoint this run (its {@code seed}) may continue; another seed's checkpoint is refused. */
    public static State readState(Path checkpoint, long seed) throws IOException {
        State state = readState(checkpoint);
        if (state.seed() != seed)
            throw new IllegalArgumentException("checkpoint " + checkpoint + " was written with seed " + state.seed() + ", this run has "
                    + seed + "; resuming would not continue the same run");
        return state;
    }

    /** A trainer as {@link #resume} restores it. */
    public interface Resumable {
        /** Loads weights, optimizer state, counters and logs from {@code checkpoint}; returns the iterations it holds. */
        int restore(Path checkpoint) throws IOException;

        /** No checkpoint to resume: forget what was read; on rank 0 ({@code root}) also empty the logs. */
        void startAfresh(boolean root) throws IOException;
    }

    /**
     * Resumes a run on every rank. Rank 0, holding the run directory's lock, removes interrupted saves, restores the
     * newest valid checkpoint (or starts afresh) and sets aside newer ones that did not check out; it then tells the
     * other ranks its choice, and they restore the same files. Returns that checkpoint, or null.
     */
    public Path resume(Collective world, Path runDir, Resumable run, Consumer<String> notes) throws IOException {
        if (!world.isRoot()) {
            String chosen = new String(world.broadcast((byte[]) null, 0), StandardCharsets.UTF_8);
            if (chosen.isEmpty()) run.startAfresh(false);
            else run.restore(Path.of(chosen));
            return chosen.isEmpty() ? null : Path.of(chosen);
        }
        Path ckpt;
        try (RunLock lock = RunLock.runDirectoryReentrant(runDir)) {
            for (Path p : cleanTemporaries()) notes.accept("removed " + p + " (left by an interrupted save)");
            ckpt = newestValid(notes);
            if (ckpt == null) run.startAfresh(true);
            else {
                int restored = run.restore(ckpt);
                for (Path p : setAsideNewerThan(restored)) notes.accept("set aside " + p + " (it did not check out)");
            }
        }
        if (world.size() > 1) world.broadcast((ckpt == null ? "" : ckpt.toString()).getBytes(StandardCharsets.UTF_8), 0);
        return ckpt;
    }

    /**
     * Copies a checkpoint's trained trunk ({@code trunk.*} of {@code policy.safetensors}) into a model of the same
     * architecture, e.g. a fresh load of the checkpoint PPO started from.
     */
    public static void loadPolicyTrunk(Path checkpoint, rlhf4j.transformer.TransformerModel into) throws IOException {
        try (rlhf4j.tensor.MemoryScope scope = rlhf4j.tensor.MemoryScope.open()) {
            Map<String, Tensor> trunk = new java.util.LinkedHashMap<>();
            Safetensors.read(checkpoint.resolve(POLICY)).tensors().forEach((k, v) -> {
                if (k.startsWith("trunk.")) trunk.put(k.substring("trunk.".length()), v);
            });
            into.loadStateDict(trunk, true);
        }
    }
}

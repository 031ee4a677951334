package rlhf4j.rlhf.ppo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;

/**
 * A run's checkpoints: {@code RUN/checkpoints/step-000040/} after 40 iterations, holding
 * {@code policy.safetensors} (trunk + value head), {@code value_model.safetensors} (a separate critic, if any),
 * {@code optimizer.safetensors} and {@code state.json} (iterations done, β, recent mean scores).
 *
 * <p>Each one is written into {@code .tmp-step-…} and renamed to its final name only when complete, so a crash
 * never leaves a half-written checkpoint under a real name; {@link #latest()} ignores temporary directories.
 */
public final class Checkpoints {
    public static final String POLICY = "policy.safetensors", VALUE_MODEL = "value_model.safetensors",
            OPTIMIZER = "optimizer.safetensors", STATE = "state.json";

    /** The small state beside the tensors. */
    public record State(int iterations, double beta, List<Double> recentScores, long seed) {}

    private final Path root;

    public Checkpoints(Path runDir) { this.root = runDir.resolve("checkpoints"); }

    public Path root() { return root; }

    public static String name(int iterations) { return String.format("step-%06d", iterations); }

    /** Writes a checkpoint atomically and keeps only the newest {@code keep}. Returns its directory. */
    public Path save(State state, Map<String, Tensor> policy, Map<String, Tensor> valueModel, Map<String, Tensor> optimizer,
                     int keep) throws IOException {
        Files.createDirectories(root);
        Path tmp = root.resolve(".tmp-" + name(state.iterations()));
        deleteTree(tmp);
        Files.createDirectories(tmp);
        Safetensors.write(tmp.resolve(POLICY), policy);
        if (valueModel != null) Safetensors.write(tmp.resolve(VALUE_MODEL), valueModel);
        Safetensors.write(tmp.resolve(OPTIMIZER), optimizer);
        Files.writeString(tmp.resolve(STATE), RunLog.GSON.toJson(state), StandardCharsets.UTF_8);
        Path dst = root.resolve(name(state.iterations()));
        deleteTree(dst);
        try {
            Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dst);
        }
        List<Path> all = list();
        for (int i = 0; i < all.size() - keep; i++) deleteTree(all.get(i));
        return dst;
    }

    /** Complete checkpoints, oldest first. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            return new ArrayList<>(s.filter(p -> p.getFileName().toString().startsWith("step-") && Files.isRegularFile(p.resolve(STATE)))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList());
        }
    }

    /** The newest complete checkpoint, or null. */
    public Path latest() throws IOException {
        List<Path> all = list();
        return all.isEmpty() ? null : all.getLast();
    }

    public static State readState(Path checkpoint) throws IOException {
        return RunLog.GSON.fromJson(Files.readString(checkpoint.resolve(STATE), StandardCharsets.UTF_8), State.class);
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

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}

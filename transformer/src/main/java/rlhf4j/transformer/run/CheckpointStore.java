package rlhf4j.transformer.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The checkpoints of one run: the rotating "latest" ones and one "best", each written by {@link CheckpointWriter}.
 * Two layouts:
 *
 * <pre>
 * single(DIR)          DIR (the latest; what other commands load), DIR.best, DIR.old only during a swap
 * rotating(ROOT, k)    ROOT/step-000040, ROOT/step-000050 (the newest k), ROOT/best
 * </pre>
 *
 * Rotation never deletes {@code best}. {@link #newestValid} is what {@code --resume} reads: the newest checkpoint
 * whose manifest checks out, falling back to older ones (best included) with a note for each one skipped.
 */
public final class CheckpointStore {
    private static final String STEP_PREFIX = "step-", BEST = "best";

    private final Path root;           // the directory holding the checkpoints
    private final Path single;         // single layout: the checkpoint directory itself; null when rotating
    private final int keep;
    private final String legacyMarker;

    private CheckpointStore(Path root, Path single, int keep, String legacyMarker) {
        this.root = root;
        this.single = single;
        this.keep = keep;
        this.legacyMarker = legacyMarker;
    }

    /**
     * @param dir          the checkpoint directory (replaced at every save)
     * @param legacyMarker a file that marks a checkpoint written before manifests existed (accepted unverified)
     */
    public static CheckpointStore single(Path dir, String legacyMarker) {
        Path d = dir.toAbsolutePath().normalize();
        return new CheckpointStore(d.getParent(), d, 1, legacyMarker);
    }

    /** Checkpoints {@code ROOT/step-NNNNNN}, the newest {@code keep} kept, and {@code ROOT/best}. */
    public static CheckpointStore rotating(Path root, int keep, String legacyMarker) {
        if (keep < 1) throw new IllegalArgumentException("keep " + keep + " must be >= 1");
        return new CheckpointStore(root.toAbsolutePath().normalize(), null, keep, legacyMarker);
    }

    public static String stepName(int step) { return String.format(Locale.ROOT, STEP_PREFIX + "%06d", step); }

    /** Where the latest checkpoint of this step goes. */
    public Path latestPath(int step) { return single != null ? single : root.resolve(stepName(step)); }

    /** Where the best checkpoint goes. */
    public Path bestPath() { return single != null ? single.resolveSibling(single.getFileName() + "." + BEST) : root.resolve(BEST); }

    /** Removes temporary directories of crashed saves (call while holding the run's lock). */
    public List<Path> cleanTemporaries() throws IOException {
        if (!rlhf4j.tensor.dist.Collectives.world().isRoot()) return List.of();   // rank 0's saves are its own
        List<Path> out = new ArrayList<>(CheckpointWriter.cleanTemporaries(root, single != null ? single.getFileName().toString() : STEP_PREFIX));
        if (single == null) out.addAll(CheckpointWriter.cleanTemporaries(root, BEST));
        return out;
    }

    /** Writes the latest checkpoint of a step, then deletes the rotating ones beyond the newest {@code keep}. */
    public Path save(int step, Map<String, String> info, long expectedBytes, CheckpointWriter.Contents contents) throws IOException {
        Path dir = CheckpointWriter.write(latestPath(step), step, info, expectedBytes, legacyMarker, contents);
        if (single == null) {
            List<Path> rotating = rotating();
            for (int i = 0; i < rotating.size() - keep; i++) AtomicFiles.deleteTree(rotating.get(i));
        }
        return dir;
    }

    /** Makes a complete checkpoint of this store the best one (sharing its files); info records why it is best. */
    public Path saveBest(Path checkpoint, Map<String, String> info) throws IOException {
        return CheckpointWriter.link(checkpoint, bestPath(), Manifest.read(checkpoint).step(), info);
    }

    /**
     * Renames the rotating checkpoints newer than {@code step} that fail their manifest check to NAME.corrupt, out of
     * rotation's way, after a resume fell back past them. Returns the new names.
     */
    public List<Path> setAsideNewerThan(int step) throws IOException {
        List<Path> moved = new ArrayList<>();
        for (Path p : rotating()) {
            if (stepOf(p) <= step || Manifest.problem(p) == null) continue;
            Path aside = sibling(p, ".corrupt");
            AtomicFiles.deleteTree(aside);
            AtomicFiles.move(p, aside, false);
            moved.add(aside);
        }
        return moved;
    }

    /** The facts recorded with the best checkpoint, or an empty map when there is none (or it is unreadable). */
    public Map<String, String> bestInfo() {
        try {
            return Files.isDirectory(bestPath()) ? Manifest.read(bestPath()).info() : Map.of();
        } catch (IOException e) {
            return Map.of();
        }
    }

    /** The rotating checkpoints ROOT/step-N, oldest first (empty for the single layout). */
    public List<Path> rotating() throws IOException {
        if (single != null || !Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().matches(STEP_PREFIX + "\\d+") && Files.isDirectory(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
    }

    /** Every checkpoint directory there is, valid or not, newest step first (a latest before an older copy or best). */
    public List<Path> candidates() throws IOException {
        List<Path> found = new ArrayList<>();
        if (single != null) {
            for (Path p : List.of(single, sibling(single, CheckpointWriter.OLD_SUFFIX), bestPath(), sibling(bestPath(), CheckpointWriter.OLD_SUFFIX)))
                if (Files.isDirectory(p)) found.add(p);
        } else if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.list(root)) {
                s.filter(p -> Files.isDirectory(p) && isCheckpointName(p.getFileName().toString())).forEach(found::add);
            }
        }
        found.sort(Comparator.comparingInt((Path p) -> -stepOf(p)).thenComparingInt(CheckpointStore::rank)
                .thenComparing(p -> p.getFileName().toString()));
        return found;
    }

    /** Among checkpoints of one step: a latest one first, then a previous copy, then best. */
    private static int rank(Path p) {
        String n = p.getFileName().toString();
        int best = n.equals(BEST) || n.startsWith(BEST + ".") || n.contains("." + BEST) ? 2 : 0;
        return best + (n.endsWith(CheckpointWriter.OLD_SUFFIX) ? 1 : 0);
    }

    private static boolean isCheckpointName(String n) {
        String base = n.endsWith(CheckpointWriter.OLD_SUFFIX) ? n.substring(0, n.length() - CheckpointWriter.OLD_SUFFIX.length()) : n;
        return base.matches(STEP_PREFIX + "\\d+") || base.equals(BEST);
    }

    private static Path sibling(Path p, String suffix) { return p.resolveSibling(p.getFileName() + suffix); }

    /** The step a checkpoint was taken at: its manifest's, else the number in its name, else −1. */
    public static int stepOf(Path checkpoint) {
        try {
            return Manifest.read(checkpoint).step();
        } catch (IOException e) {
            String n = checkpoint.getFileName().toString();
            return n.matches(STEP_PREFIX + "\\d+(\\.old)?") ? Integer.parseInt(n.replaceAll("\\D", "")) : -1;
        }
    }

    /**
     * The newest checkpoint that checks out against its manifest (or, written before manifests, has the legacy
     * marker file); each newer one skipped is reported to {@code notes} with the reason. Null when there is none.
     */
    public Path newestValid(Consumer<String> notes) throws IOException {
        List<String> skipped = new ArrayList<>();
        for (Path c : candidates()) {
            String problem = Manifest.problem(c);
            boolean legacy = problem != null && !Files.exists(c.resolve(Manifest.FILE)) && Files.isRegularFile(c.resolve(legacyMarker));
            if (problem == null || legacy) {
                skipped.forEach(notes);
                if (!skipped.isEmpty()) notes.accept("falling back to " + c + " (step " + stepOf(c) + ")");
                if (legacy) notes.accept(c + " has no " + Manifest.FILE + " (an older version wrote it); its files are not verified");
                return c;
            }
            skipped.add("skipping checkpoint " + c + ": " + problem);
        }
        skipped.forEach(notes);
        return null;
    }
}

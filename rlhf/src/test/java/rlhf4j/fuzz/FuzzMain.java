package rlhf4j.fuzz;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.cpu.CpuAllocator;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.io.LlamaCheckpoint;

/**
 * The fuzzing loop, run in a JVM of its own with a small heap ({@link FuzzTest} starts it): {@code FuzzMain CASES
 * SEED WORKDIR [TARGETS]}, TARGETS a comma-separated subset of the target names. Case i goes to target i mod (number of targets); its mutation depends only on (SEED, i). The rule
 * each case checks: the parser succeeds, or throws only its format exception with the file named in the message;
 * within {@value #CASE_MILLIS} ms, within a heap budget (bytes allocated by the case) and a tensor-memory budget,
 * and, for the pure parsers, with every byte of tensor memory returned. Anything else is counted as "other", and its
 * input is kept under WORKDIR/failures for reproduction. Exit status 0 when "other" is 0.
 */
final class FuzzMain {
    static final long CASE_MILLIS = 2000, HANG_MILLIS = 60_000;
    static final long MIB = 1 << 20;

    private FuzzMain() {}

    /** Counts per target. */
    static final class Counts {
        long cases, successes, formatErrors, other;

        void add(Counts c) {
            cases += c.cases;
            successes += c.successes;
            formatErrors += c.formatErrors;
            other += c.other;
        }
    }

    private static volatile long caseStart;
    private static volatile String caseName = "";

    public static void main(String[] args) throws Exception {
        int cases = Integer.parseInt(args[0]);
        long seed = Long.parseLong(args[1]);
        Path work = Path.of(args[2]);
        PrintStream out = System.out;
        String only = args.length > 3 ? args[3] : "";   // comma-separated target names, or all
        List<FuzzTargets.Target> targets = FuzzTargets.all(work.resolve("seeds")).stream()
                .filter(t -> only.isEmpty() || List.of(only.split(",")).contains(t.name())).toList();
        long[] warnings = {0};
        System.setErr(new PrintStream(new OutputStream() {          // weights warnings: counted, not printed
            @Override public void write(int b) { if (b == '\n') warnings[0]++; }
        }, true));
        if (!seedsParse(targets, work, out)) System.exit(2);
        startWatchdog(out);

        Map<String, Counts> byTarget = new LinkedHashMap<>();
        for (FuzzTargets.Target t : targets) byTarget.put(t.name(), new Counts());
        List<String> problems = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < cases; i++) {
            FuzzTargets.Target t = targets.get(i % targets.size());
            String problem = runCase(t, i, seed, work, byTarget.get(t.name()));
            if (problem != null && problems.size() < 1000) problems.add(problem);
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        Counts total = new Counts();
        out.printf("%-20s %8s %10s %14s %6s%n", "target", "cases", "successes", "format errors", "other");
        for (var e : byTarget.entrySet()) {
            Counts c = e.getValue();
            out.printf("%-20s %8d %10d %14d %6d%n", e.getKey(), c.cases, c.successes, c.formatErrors, c.other);
            total.add(c);
        }
        problems.stream().limit(30).forEach(p -> out.println("OTHER " + p));
        out.printf("fuzz: seed %d, %.1f s, non-finite weight warnings %d%n", seed, seconds, warnings[0]);
        out.printf("fuzz: cases %d, successes %d, format errors %d, other %d%n", total.cases, total.successes,
                total.formatErrors, total.other);
        out.flush();
        System.exit(total.other == 0 ? 0 : 1);
    }

    /** Every seed must parse as it is: otherwise the mutations would test nothing but the first error. */
    private static boolean seedsParse(List<FuzzTargets.Target> targets, Path work, PrintStream out) throws IOException {
        boolean ok = true;
        for (FuzzTargets.Target t : targets) {
            for (Map<String, byte[]> seed : t.seeds()) {
                Path dir = writeCase(work.resolve("case").resolve(t.name()), seed);
                try {
                    release(t.parse().run(dir));
                } catch (Throwable e) {
                    out.println("SEED FAILS " + t.name() + " " + seed.keySet() + ": " + e);
                    ok = false;
                }
            }
        }
        return ok;
    }

    /** Halts the JVM when one case runs far past its time bound, after saying which. */
    private static void startWatchdog(PrintStream out) {
        Thread watchdog = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                long started = caseStart;
                if (started != 0 && System.nanoTime() - started > HANG_MILLIS * 1_000_000) {
                    out.println("OTHER HUNG " + caseName + " for over " + HANG_MILLIS / 1000 + " s");
                    out.flush();
                    Runtime.getRuntime().halt(3);
                }
            }
        }, "fuzz-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** One mutated input through one parser; returns a description when the outcome breaks the rule, else null. */
    static String runCase(FuzzTargets.Target t, int i, long seed, Path work, Counts counts) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
        Map<String, byte[]> files = new LinkedHashMap<>(t.seeds().get(rng.nextInt(t.seeds().size())));
        List<String> names = new ArrayList<>(files.keySet());
        String victim = names.get(rng.nextInt(names.size()));
        Map<String, byte[]> donorSeed = t.seeds().get(rng.nextInt(t.seeds().size()));
        byte[] donor = donorSeed.getOrDefault(victim, donorSeed.values().iterator().next());
        files.put(victim, Mutator.mutate(files.get(victim), donor, rng));
        Path dir = writeCase(work.resolve("case").resolve(t.name()), files);
        long inputBytes = files.values().stream().mapToLong(b -> b.length).sum();

        String name = t.name() + " case " + i + " (" + victim + ")";
        caseName = name;
        long live = CpuAllocator.liveBytes(), heap = allocatedBytes();
        caseStart = System.nanoTime();
        Object result = null;
        Throwable error = null;
        try {
            result = t.parse().run(dir);
        } catch (Throwable e) {
            error = e;
        }
        long millis = (System.nanoTime() - caseStart) / 1_000_000;
        caseStart = 0;
        long nativeUsed = CpuAllocator.liveBytes() - live, heapUsed = allocatedBytes() - heap;
        try {
            release(result);
        } catch (RuntimeException e) {
            error = error != null ? error : e;
        }
        long leaked = CpuAllocator.liveBytes() - live;

        counts.cases++;
        String problem = problem(t, dir, files.keySet(), error);
        if (problem == null && millis > CASE_MILLIS) problem = "took " + millis + " ms";
        if (problem == null && heapUsed > 64 * inputBytes + 96 * MIB)
            problem = "allocated " + heapUsed + " bytes of heap for " + inputBytes + " bytes of input";
        if (problem == null && nativeUsed > 4 * inputBytes + 64 * MIB)
            problem = "holds " + nativeUsed + " bytes of tensor memory for " + inputBytes + " bytes of input";
        // above 0 only: the Cleaner may free long-lived tensors of earlier cases (the model targets') meanwhile
        if (problem == null && t.leakChecked() && leaked > 0) problem = "leaked " + leaked + " bytes of tensor memory";
        if (problem != null) {
            counts.other++;
            Path kept = writeCase(work.resolve("failures").resolve(t.name() + "-" + i), files);
            return name + ": " + problem + "; input kept in " + kept;
        }
        if (error == null) counts.successes++;
        else counts.formatErrors++;
        return null;
    }

    /** Null when the outcome is a success or a format exception of the target's kind naming one of the case's files. */
    private static String problem(FuzzTargets.Target t, Path dir, Set<String> names, Throwable error) {
        if (error == null) return null;
        boolean allowed = t.formatErrors().stream().anyMatch(c -> c == error.getClass());
        String message = String.valueOf(error.getMessage());
        if (!allowed) return "threw " + error + at(error);
        boolean namesFile = names.stream().anyMatch(n -> message.contains(dir.resolve(n).toString()));
        if (!namesFile) return "message names none of the files: " + message;
        if (message.length() > 2000) return "message of " + message.length() + " characters";
        return null;
    }

    private static String at(Throwable e) {
        StackTraceElement[] trace = e.getStackTrace();
        return trace.length == 0 ? "" : " at " + trace[0] + (trace.length > 1 ? " < " + trace[1] : "");
    }

    private static Path writeCase(Path dir, Map<String, byte[]> files) throws IOException {
        if (Files.exists(dir)) {
            try (var old = Files.list(dir)) {
                for (Path f : old.toList()) Files.delete(f);
            }
        }
        Files.createDirectories(dir);
        for (var e : files.entrySet()) Files.write(dir.resolve(e.getKey()), e.getValue());
        return dir;
    }

    /** Frees the tensors a parse returned (each once: a shared classifier is the embedding tensor twice). */
    static void release(Object result) {
        List<Tensor> tensors = new ArrayList<>();
        if (result instanceof Safetensors.Contents c) tensors.addAll(c.tensors().values());
        else if (result instanceof LlamaCheckpoint ck) tensors.addAll(ck.tensors().values());
        else if (result instanceof Module m) tensors.addAll(m.stateDict().values());
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : tensors) if (seen.add(t)) t.free();
    }

    /** Bytes of heap this thread has allocated so far (HotSpot's counter). */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}

package rlhf4j.transformer.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.autograd.Parameter;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.run.CheckpointStore;
import rlhf4j.transformer.run.CheckpointWriter;
import rlhf4j.transformer.run.Manifest;

/** Case 1 (a diverged state is never saved) and case 4 (a kill during a checkpoint swap) for pretraining and SFT. */
class TrainingRunGuardTest {
    /** CausalLmTrainerTest's settings, evaluating (and saving) after every step. */
    static TrainConfig everyStep(int iters) {
        return new TrainConfig(4, 8, 1, iters, 3e-3, 3e-4, 2, iters, 0.0, 0.9, 0.99, 1.0, 1, 2, 5);
    }

    /** The tiny trainer whose weights {@code poison} changes just before training batch {@code at} is drawn. */
    static CausalLmTrainer poisonedAt(TrainConfig c, long at, java.util.function.Consumer<Map<String, Parameter>> poison) {
        CausalLmTrainer plain = CausalLmTrainerTest.trainer(new Gpt2(CausalLmTrainerTest.TINY, 1), c);
        int[][] split = TokenWindows.split(CausalLmTrainerTest.corpus(600), 0.9);
        TokenWindows windows = new TokenWindows(split[0], c.batchSize(), c.blockSize(), c.seed());
        Map<String, BatchSource> eval = new LinkedHashMap<>();
        eval.put("val", new TokenWindows(split[1], c.batchSize(), c.blockSize(), c.seed() + 2));
        Gpt2 model = (Gpt2) plain.model();
        return new CausalLmTrainer(model, c, i -> {
            if (i == at) poison.accept(model.namedParameters());
            return windows.batch(i);
        }, eval);
    }

    static void scale(Parameter p, float factor, boolean nanFirst) {
        float[] w = p.value().toFloatArray();
        for (int i = 0; i < w.length; i++) w[i] *= factor;
        if (nanFirst) w[0] = Float.NaN;
        p.value().copyFrom(Tensor.of(w, p.value().shape()));
    }

    static TrainingRun run(CausalLmTrainer t, Path out, ByteArrayOutputStream log) {
        return new TrainingRun(t, out, TrainingCheckpointTest.TOK, Map.of(), ProgressBar.on(new PrintStream(log, true), t.config().iters()));
    }

    @Test void aNanStopsTheRunAndLeavesTheLastGoodCheckpointWhole(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CausalLmTrainer t = poisonedAt(everyStep(6), 3, w -> scale(w.get("wte.weight"), 1, true));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        var e = assertThrows(TrainingDivergedException.class, () -> run(t, out, log).run());
        assertEquals(4, e.step());
        assertEquals(out.toAbsolutePath(), e.lastGoodCheckpoint());
        assertTrue(e.getMessage().contains("the training loss is NaN"), e.getMessage());
        assertTrue(e.getMessage().contains("continue from it with --resume " + out), e.getMessage());
        assertEquals(3, CheckpointStore.stepOf(out), "the step-3 checkpoint was not replaced");
        assertNull(Manifest.problem(out));
        for (Tensor w : Safetensors.read(out.resolve("model.safetensors")).tensors().values())
            for (float x : w.toFloatArray()) assertTrue(Float.isFinite(x));
        assertNull(Manifest.problem(out.resolveSibling("out.best")));
    }

    @Test void aLossFarAboveItsBestStopsTheRunWithoutSaving(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CausalLmTrainer t = poisonedAt(everyStep(6), 2, w -> scale(w.get("wte.weight"), 300, false));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        var e = assertThrows(TrainingDivergedException.class, () -> run(t, out, log).run());
        assertEquals(3, e.step());
        assertTrue(e.getMessage().matches(".*loss( \\(moving average\\))? \\S+ is more than 10 × its lowest so far.*"), e.getMessage());
        assertEquals(2, CheckpointStore.stepOf(out));

        CausalLmTrainer lenient = poisonedAt(everyStep(6), 2, w -> scale(w.get("wte.weight"), 300, false));
        run(lenient, dir.resolve("lenient"), log).divergenceFactor(Double.POSITIVE_INFINITY).run();
        assertEquals(6, CheckpointStore.stepOf(dir.resolve("lenient")), "with the factor check off the run goes on");
    }

    @Test void theBestCheckpointFollowsTheLowestValidationLoss(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CausalLmTrainer t = CausalLmTrainerTest.trainer(new Gpt2(CausalLmTrainerTest.TINY, 1), everyStep(5));
        run(t, out, new ByteArrayOutputStream()).run();
        Path best = out.resolveSibling("out.best");
        assertNull(Manifest.problem(best));
        double recorded = Double.parseDouble(Manifest.read(best).info().get("val_loss"));
        assertEquals(t.bestValLoss(), recorded);
        assertEquals(t.bestValLoss(), TrainingCheckpoint.readState(best).bestValLoss(), "best holds the state of that step");
        assertEquals(TrainingCheckpoint.readState(best).step(), CheckpointStore.stepOf(best));
    }

    static Process child(Path dir, int iters, List<String> jvmArgs, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CheckpointChild.class.getName(), dir.toString(),
                Integer.toString(iters)));
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    static String finish(Process p, int expectedStatus) throws Exception {
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(expectedStatus, p.exitValue(), out);
        return out;
    }

    /** Case 4: the JVM dies between the renames of the third save; a fresh JVM resumes from a valid checkpoint. */
    @Test void aKillBetweenTheRenamesOfASwapLosesNoCheckpoint(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        String log = finish(child(out, 5, List.of("-D" + CheckpointWriter.HALT_PROPERTY + "=between-renames",
                "-D" + CheckpointWriter.HALT_NAME_PROPERTY + "=out", "-D" + CheckpointWriter.HALT_SKIP_PROPERTY + "=2")), CheckpointWriter.HALT_STATUS);
        assertTrue(log.contains("halting at between-renames of " + out.toAbsolutePath()), log);
        List<String> left;
        try (Stream<Path> s = Files.list(dir)) {
            left = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertFalse(left.contains("out"), left.toString());
        assertTrue(left.contains("out.old") && left.stream().anyMatch(n -> n.startsWith("out.tmp-")), left.toString());
        assertEquals(2, CheckpointStore.stepOf(out.resolveSibling("out.old")));

        String resumed = finish(child(out, 5, List.of(), "resume"), 0);
        assertTrue(resumed.contains("resumed from " + out.toAbsolutePath() + " at step 3"), resumed);   // the finished temporary
        assertEquals(5, CheckpointStore.stepOf(out));
        assertNull(Manifest.problem(out));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("out", "out.best", "out.lock"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    /** Case 4: killed after the old copy moved aside but before any new copy was complete: the old one is resumed. */
    @Test void aKillBeforeTheSwapResumesFromThePreviousCheckpoint(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        finish(child(out, 5, List.of("-D" + CheckpointWriter.HALT_PROPERTY + "=between-renames",
                "-D" + CheckpointWriter.HALT_NAME_PROPERTY + "=out", "-D" + CheckpointWriter.HALT_SKIP_PROPERTY + "=1")), CheckpointWriter.HALT_STATUS);
        try (Stream<Path> s = Files.list(dir)) {                                      // throw the finished temporary away too
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("out.tmp-")).toList()) {
                Files.writeString(p.resolve("config.json"), "torn");
            }
        }
        String resumed = finish(child(out, 5, List.of(), "resume"), 0);
        assertTrue(resumed.contains("resumed from " + out.toAbsolutePath() + ".old at step 1"), resumed);
        assertEquals(5, CheckpointStore.stepOf(out));
        assertNull(Manifest.problem(out));
        assertFalse(Files.exists(dir.resolve("out.old")));
    }
}

package rlhf4j.rlhf.ppo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.autograd.Parameter;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.run.CheckpointStore;
import rlhf4j.transformer.run.DiskSpace;
import rlhf4j.transformer.run.Manifest;
import rlhf4j.transformer.train.TrainingDivergedException;

/** PPO never saves a collapsed or diverged policy, survives torn logs, locks its directory and falls back on resume. */
class PpoDurabilityTest {
    @TempDir Path dir;
    final ByteArrayOutputStream notes = new ByteArrayOutputStream();

    @AfterEach void realDisk() { DiskSpace.setProbe(null); }

    static PpoConfig everyIteration(int iterations, int keep) {
        return Toy.config(iterations).withCheckpointing(new PpoConfig.Checkpointing(1, keep));
    }

    static void scale(Llama m, String name, float factor) {
        Parameter p = m.namedParameters().get(name);
        float[] w = p.value().toFloatArray();
        for (int i = 0; i < w.length; i++) w[i] *= factor;
        p.value().copyFrom(Tensor.of(w, p.value().shape()));
    }

    /** The toy policy with a sharpened output (entropy well below ln 16), its reference the same network. */
    PpoTrainer sharpToy(PpoConfig cfg, RewardFunction reward) {
        Llama policy = new Llama(Toy.CONFIG, 3), reference = new Llama(Toy.CONFIG, 3);
        for (Llama m : List.of(policy, reference)) scale(m, "model.norm.weight", 40);
        return new PpoTrainer(cfg, PpoModels.withValueHead(policy, reference), reward, Toy.LETTERS, Toy.STOP, Toy.prompts(12), dir)
                .progress(new PrintStream(notes, true, StandardCharsets.UTF_8));
    }

    static double maxAbs(Path checkpoint) throws IOException {
        double m = 0;
        for (Tensor t : Safetensors.read(checkpoint.resolve(Checkpoints.POLICY)).tensors().values())
            for (float x : t.toFloatArray()) m = Math.max(m, Math.abs(x));
        return m;
    }

    /** Case 1: a policy that collapses to uniform sampling stops the run; no checkpoint of it exists, good ones stay. */
    @Test void aCollapsedPolicyIsNeverSavedAndTheLastGoodCheckpointIsNamed() throws IOException {
        int[] calls = {0};
        Llama[] trunk = {null};
        RewardFunction collapsing = batch -> {
            if (calls[0]++ == 3) scale(trunk[0], "model.norm.weight", 0);          // iteration 3: logits 0, uniform
            return Toy.TARGET_FRACTION.score(batch);
        };
        PpoTrainer t = sharpToy(everyIteration(6, 1), collapsing);
        trunk[0] = (Llama) t.models().policy().trunk;
        var e = assertThrows(TrainingDivergedException.class, t::train);
        assertEquals(3, e.step());
        Path good = dir.resolve("checkpoints/step-000002");
        assertEquals(good, e.lastGoodCheckpoint());
        assertTrue(e.getMessage().matches(".*the policy's entropy is 2\\.77\\d nats per token, 100% of ln 16 = 2\\.773.*collapsed.*"),
                e.getMessage());
        assertTrue(e.getMessage().contains("the last good checkpoint is " + good + " (continue from it with --resume"), e.getMessage());
        assertEquals(List.of(good), t.checkpoints().list(), "keep 1: the collapsed state never rotated the good one out");
        assertNull(Manifest.problem(good));
        assertNull(Manifest.problem(t.checkpoints().best()));
        assertTrue(CheckpointStore.stepOf(t.checkpoints().best()) <= 2);
        assertTrue(maxAbs(good) > 0.1, "the saved policy is the sharp one, not the zeroed one");
    }

    /** Case 1: resumed with lr 1e30 the run stops; the last good checkpoint it names holds sane weights, nothing newer exists. */
    @Test void anExplodingLearningRateLeavesOnlySaneCheckpoints() throws IOException {
        sharpToy(everyIteration(2, 3), Toy.TARGET_FRACTION).train();
        PpoTrainer t = sharpToy(everyIteration(5, 3).withLearningRate(1e30), Toy.TARGET_FRACTION);
        Path from = t.resume();
        assertEquals(dir.resolve("checkpoints/step-000002"), from);
        var e = assertThrows(TrainingDivergedException.class, t::train);
        assertEquals(from, e.lastGoodCheckpoint());
        assertEquals(List.of(dir.resolve("checkpoints/step-000001"), from), t.checkpoints().list());
        assertTrue(maxAbs(from) < 100, "weights of the last good checkpoint: " + maxAbs(from));
    }

    /** Case 2: a torn last line in samples.jsonl is dropped with a note; the resume rewrites nothing it cannot read. */
    @Test void aTornLogLineDoesNotStopAResume() throws IOException {
        PpoTrainer first = Toy.trainer(everyIteration(2, 2), 3, Toy.TARGET_FRACTION, dir);
        first.train();
        Files.writeString(dir.resolve(RunLog.SAMPLES), "{\"iteration\":2,\"prompt\":\"ab", StandardOpenOption.APPEND);  // disk full
        Files.writeString(dir.resolve(RunLog.METRICS), Files.readAllLines(dir.resolve(RunLog.METRICS)).getLast().replace(
                "\"iteration\":1", "\"iteration\":2") + "\n", StandardOpenOption.APPEND);                // a line past the checkpoint

        PpoTrainer t = Toy.trainer(everyIteration(3, 2), 3, Toy.TARGET_FRACTION, dir).progress(new PrintStream(notes, true));
        assertEquals(dir.resolve("checkpoints/step-000002"), t.resume());
        assertTrue(notes.toString().contains(RunLog.SAMPLES + ": dropped a torn last line (27 bytes"), notes.toString());
        assertEquals(List.of(0, 1), t.log().metrics().stream().map(IterationStats::iteration).toList());
        t.train();
        assertEquals(List.of(0, 1, 2), t.log().metrics().stream().map(IterationStats::iteration).toList());
        assertEquals(List.of(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2), t.log().samples().stream().map(RunLog.Sample::iteration).toList());
        assertEquals(4, Files.readAllLines(dir.resolve(RunLog.METRICS_CSV)).size());
    }

    /** Case 2: a resume before the first checkpoint starts the logs afresh instead of keeping stale lines. */
    @Test void aResumeBeforeTheFirstCheckpointStartsTheLogsAfresh() throws IOException {
        PpoConfig onlyAtTheEnd = Toy.config(3).withCheckpointing(new PpoConfig.Checkpointing(0, 2));
        PpoTrainer killed = Toy.trainer(onlyAtTheEnd, 3, Toy.TARGET_FRACTION, dir);
        killed.step();
        killed.step();                                                                // then the process died: logs, no checkpoint
        assertEquals(2, new RunLog(dir).metrics().size());
        PpoTrainer t = Toy.trainer(onlyAtTheEnd, 3, Toy.TARGET_FRACTION, dir);
        assertNull(t.resume());
        assertEquals(List.of(), t.log().metrics());
        t.train();
        assertEquals(List.of(0, 1, 2), t.log().metrics().stream().map(IterationStats::iteration).toList());
    }

    /** Case 4: a corrupt newest checkpoint is skipped with a note and set aside; the run resumes from an older one. */
    @Test void aCorruptNewestCheckpointFallsBackToAnOlderOne() throws IOException {
        Toy.trainer(everyIteration(3, 3), 3, Toy.TARGET_FRACTION, dir).train();
        Path third = dir.resolve("checkpoints/step-000003");
        Files.delete(third.resolve(Checkpoints.OPTIMIZER));                           // best may share its files: unlink, not overwrite
        boolean bestIsThird = CheckpointStore.stepOf(dir.resolve("checkpoints/best")) == 3;
        PpoTrainer t = Toy.trainer(everyIteration(4, 3), 3, Toy.TARGET_FRACTION, dir).progress(new PrintStream(notes, true));
        Path from = t.resume();
        assertTrue(notes.toString().contains("skipping checkpoint " + third + ": optimizer.safetensors is missing"), notes + " / " + from);
        assertEquals(bestIsThird ? dir.resolve("checkpoints/best") : dir.resolve("checkpoints/step-000002"), from);
        assertEquals(bestIsThird, Files.isDirectory(third), "a checkpoint newer than the one resumed is set aside");
        if (!bestIsThird) assertTrue(Files.isDirectory(dir.resolve("checkpoints/step-000003.corrupt")));
        t.train();
        assertEquals(4, t.iterations());
        assertNull(Manifest.problem(dir.resolve("checkpoints/step-000004")));
    }

    /** Case 5: a full disk is reported before the first iteration, with the space needed. */
    @Test void aFullDiskIsReportedBeforeTraining() {
        DiskSpace.setProbe(d -> 4096);
        PpoTrainer t = Toy.trainer(Toy.config(2), 3, Toy.TARGET_FRACTION, dir);
        var e = assertThrows(UncheckedIOException.class, t::train);
        assertTrue(e.getCause().getMessage().matches(".*no space left on .* \\(needed ~[0-9.]+ MB, 0\\.0 MB free\\).*"),
                e.getCause().getMessage());
        assertFalse(Files.exists(dir.resolve(RunLog.METRICS)));
    }
}

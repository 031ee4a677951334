package rlhf4j.rlhf.dist;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.cli.Main;
import rlhf4j.rlhf.dpo.ParallelDpoChild;
import rlhf4j.rlhf.grpo.ParallelGrpoChild;
import rlhf4j.rlhf.ppo.ParallelPpoChild;
import rlhf4j.rlhf.reward.ParallelRewardChild;
import rlhf4j.tensor.dist.MpiRun;
import rlhf4j.tensor.dist.SingleRank;

/**
 * The reward model, PPO, GRPO and DPO on two ranks under mpirun against one process with the same global batch, PPO
 * GRPO and DPO checkpoints crossing between 1 and 2 ranks, and the CLI under mpirun. Skipped where Open MPI is not installed.
 */
class ParallelRlhfTest {
    static final double CURVE_TOL = 1e-4, WEIGHT_TOL = 2e-4;

    private static void requireMpi() {
        String why = MpiRun.unavailableReason();
        assumeTrue(why == null, () -> "Open MPI is not usable here: " + why);
    }

    private static RunOutcome twoRanks(Class<?> main, Path result, String... args) throws Exception {
        MpiRun.Result p = MpiRun.run(2, main.getName(), List.of(args), 240);
        assertFalse(p.timedOut(), "the 2-rank run hung: " + p.output());
        assertEquals(0, p.exitCode(), p.output());
        for (int r = 0; r < 2; r++) assertTrue(p.output().contains("rank " + r + " of 2 identical weights: true"), p.output());
        return RunOutcome.read(result);
    }

    static void assertClose(RunOutcome want, RunOutcome got) { assertClose(want, got, java.util.Map.of()); }

    /** Curves and weights within float tolerance; {@code looser} gives some parameters a tolerance of their own. */
    static void assertClose(RunOutcome want, RunOutcome got, java.util.Map<String, Double> looser) {
        assertEquals(want.curve().size(), got.curve().size(), "curve length");
        for (int i = 0; i < want.curve().size(); i++)
            assertEquals(want.curve().get(i), got.curve().get(i), CURVE_TOL * Math.max(1, Math.abs(want.curve().get(i))), "curve point " + i);
        assertEquals(want.weights().keySet(), got.weights().keySet());
        StringBuilder off = new StringBuilder();
        for (String k : want.weights().keySet()) {
            float[] a = want.weights().get(k), b = got.weights().get(k);
            double max = 0;
            for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
            if (max > looser.getOrDefault(k, WEIGHT_TOL)) off.append(k).append(" differs by ").append(max).append("; ");
        }
        assertEquals("", off.toString());
    }

    @Test void rewardModelOnTwoRanksFollowsTheSingleProcessRun(@TempDir Path dir) throws Exception {
        requireMpi();
        RunOutcome one = ParallelRewardChild.run(ParallelRewardChild.model(), SingleRank.INSTANCE);
        assertEquals(5, one.curve().size());
        RunOutcome two = twoRanks(ParallelRewardChild.class, dir.resolve("r.txt"), dir.resolve("r.txt").toString());
        // Adding a constant to every reward leaves r_w − r_l unchanged, so these two biases have a zero gradient:
        // what they get is rounding noise, which AdamW turns into steps of up to lr in either direction.
        double adamNoise = 5 * 1e-2;
        assertClose(one, two, java.util.Map.of("trunk.ln_f.bias", adamNoise, "sequence_head.score.bias", adamNoise));
    }

    @Test void ppoOnTwoRanksFollowsTheSingleProcessRun(@TempDir Path dir) throws Exception {
        requireMpi();
        RunOutcome one = ParallelPpoChild.run(ParallelPpoChild.trainer(dir.resolve("one"), 5));
        assertEquals(15, one.curve().size());
        RunOutcome two = twoRanks(ParallelPpoChild.class, dir.resolve("p.txt"), dir.resolve("two").toString(),
                dir.resolve("p.txt").toString(), "5");
        assertClose(one, two);
        assertTrue(Files.isDirectory(dir.resolve("two/checkpoints")), "rank 0 wrote the checkpoint");
    }

    @Test void ppoCheckpointsCrossBetweenOneAndTwoRanks(@TempDir Path dir) throws Exception {
        requireMpi();
        RunOutcome straight = ParallelPpoChild.run(ParallelPpoChild.trainer(dir.resolve("straight"), 5));
        twoRanks(ParallelPpoChild.class, dir.resolve("a.txt"), dir.resolve("a").toString(), dir.resolve("a.txt").toString(), "3");
        var onOne = ParallelPpoChild.trainer(dir.resolve("a"), 5);
        assertNotNull(onOne.resume());
        RunOutcome resumedOnOne = ParallelPpoChild.run(onOne);
        ParallelPpoChild.run(ParallelPpoChild.trainer(dir.resolve("b"), 3));
        RunOutcome resumedOnTwo = twoRanks(ParallelPpoChild.class, dir.resolve("b.txt"), dir.resolve("b").toString(),
                dir.resolve("b.txt").toString(), "5", "resume");
        RunOutcome tail = new RunOutcome(straight.curve().subList(9, 15), straight.weights());
        assertClose(tail, resumedOnOne);
        assertClose(tail, resumedOnTwo);
    }

    @Test void grpoOnTwoRanksFollowsTheSingleProcessRun(@TempDir Path dir) throws Exception {
        requireMpi();
        RunOutcome one = ParallelGrpoChild.run(ParallelGrpoChild.trainer(dir.resolve("one"), 4));
        assertEquals(12, one.curve().size());
        RunOutcome two = twoRanks(ParallelGrpoChild.class, dir.resolve("g.txt"), dir.resolve("two").toString(),
                dir.resolve("g.txt").toString(), "4");
        assertClose(one, two);
        assertTrue(Files.isDirectory(dir.resolve("two/checkpoints")), "rank 0 wrote the checkpoint");
        assertEquals(4, Files.readAllLines(dir.resolve("two/metrics.jsonl")).size(), "one metrics line per iteration");
    }

    @Test void grpoCheckpointsOfTwoRanksResumeOnOne(@TempDir Path dir) throws Exception {
        requireMpi();
        RunOutcome straight = ParallelGrpoChild.run(ParallelGrpoChild.trainer(dir.resolve("straight"), 4));
        twoRanks(ParallelGrpoChild.class, dir.resolve("a.txt"), dir.resolve("a").toString(), dir.resolve("a.txt").toString(), "2");
        var onOne = ParallelGrpoChild.trainer(dir.resolve("a"), 4);
        assertNotNull(onOne.resume());
        assertEquals(2, onOne.iterations());
        RunOutcome resumedOnOne = ParallelGrpoChild.run(onOne);
        assertClose(new RunOutcome(straight.curve().subList(6, 12), straight.weights()), resumedOnOne);
    }

    @Test void dpoOnTwoRanksFollowsTheSingleProcessRun(@TempDir Path dir) throws Exception {
        requireMpi();
        RunOutcome one = ParallelDpoChild.run(ParallelDpoChild.trainer(dir.resolve("one")), 0);
        assertEquals(12, one.curve().size());
        assertEquals(Math.log(2), one.curve().get(0), 1e-6);
        RunOutcome two = twoRanks(ParallelDpoChild.class, dir.resolve("d.txt"), dir.resolve("two").toString(),
                dir.resolve("d.txt").toString(), "0");
        assertClose(one, two);
        assertEquals(0.0, two.curve().get(1), "π = π_ref bit for bit on each rank's share at step 0");
        assertEquals(6, Files.readAllLines(dir.resolve("two/metrics.jsonl")).size(), "one metrics line per step");
        assertEquals(2, Files.readAllLines(dir.resolve("two/eval.jsonl")).size(), "one evaluation per epoch");
        assertTrue(Files.isDirectory(dir.resolve("two/reference")), "rank 0 wrote the reference cache");
    }

    @Test void dpoCheckpointsOfTwoRanksResumeOnOne(@TempDir Path dir) throws Exception {
        requireMpi();
        RunOutcome straight = ParallelDpoChild.run(ParallelDpoChild.trainer(dir.resolve("straight")), 0);
        twoRanks(ParallelDpoChild.class, dir.resolve("a.txt"), dir.resolve("a").toString(), dir.resolve("a.txt").toString(), "3");
        var onOne = ParallelDpoChild.trainer(dir.resolve("a"));
        assertNotNull(onOne.resume());
        assertEquals(3, onOne.steps());
        RunOutcome resumedOnOne = ParallelDpoChild.run(onOne, 0);
        assertClose(new RunOutcome(straight.curve().subList(6, 12), straight.weights()), resumedOnOne);
    }

    /** mpirun -np 2 rlhf4j ppo, then --resume on 2 ranks: rank 0 writes one set of logs, checkpoints and the policy. */
    @Test void thePpoCommandRunsAndResumesUnderMpirun(@TempDir Path dir) throws Exception {
        requireMpi();
        Path model = dir.resolve("tiny.bin"), run = dir.resolve("run");
        new rlhf4j.transformer.llama.Llama(rlhf4j.transformer.io.LlamaConfig.llama2c(16, 32, 1, 2, 2, 512, 64, true), 3)
                .saveLlama2c(model);
        String tok = rlhf4j.transformer.data.DataSets.file("stories260k/tok512.bin").toString();
        List<String> common = List.of("ppo", "--policy", model.toString(), "--tokenizer", tok, "--reward", "oracle:vader",
                "--prompts", "tinystories", "--max-prompts", "8", "--out", run.toString(), "--batch-size", "4",
                "--minibatches", "2", "--ppo-epochs", "1", "--max-new-tokens", "6", "--checkpoint-every", "1", "--quiet");
        MpiRun.Result first = MpiRun.run(2, Main.class.getName(), concat(common, "--iterations", "2"), 240);
        assertEquals(0, first.exitCode(), first.output());
        assertEquals(2, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        MpiRun.Result resumed = MpiRun.run(2, Main.class.getName(), concat(common, "--iterations", "3", "--resume"), 240);
        assertEquals(0, resumed.exitCode(), resumed.output());
        assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        assertTrue(Files.isDirectory(run.resolve("policy")));
        assertTrue(Files.exists(run.resolve("report.html")));
    }

    /** mpirun -np 2 rlhf4j rloo (then --resume) and rlhf4j dpo: one set of logs, checkpoints and the policy from rank 0. */
    @Test void theRlooAndDpoCommandsRunUnderMpirun(@TempDir Path dir) throws Exception {
        requireMpi();
        Path model = dir.resolve("tiny.bin"), rloo = dir.resolve("rloo"), dpo = dir.resolve("dpo"), groups = dir.resolve("groups.jsonl");
        new rlhf4j.transformer.llama.Llama(rlhf4j.transformer.io.LlamaConfig.llama2c(16, 32, 1, 2, 2, 512, 64, true), 3)
                .saveLlama2c(model);
        String tok = rlhf4j.transformer.data.DataSets.file("stories260k/tok512.bin").toString();
        List<String> common = List.of("rloo", "--policy", model.toString(), "--tokenizer", tok, "--reward", "oracle:vader",
                "--prompts", "tinystories", "--max-prompts", "8", "--out", rloo.toString(), "--prompts-per-iteration", "3",
                "--group-size", "2", "--minibatches", "2", "--epochs", "1", "--max-new-tokens", "6", "--checkpoint-every", "1", "--quiet");
        MpiRun.Result first = MpiRun.run(2, Main.class.getName(), concat(common, "--iterations", "2"), 240);
        assertEquals(0, first.exitCode(), first.output());
        assertEquals(2, Files.readAllLines(rloo.resolve("metrics.jsonl")).size());
        MpiRun.Result resumed = MpiRun.run(2, Main.class.getName(), concat(common, "--iterations", "3", "--resume"), 240);
        assertEquals(0, resumed.exitCode(), resumed.output());
        assertEquals(3, Files.readAllLines(rloo.resolve("metrics.jsonl")).size());
        assertTrue(Files.isDirectory(rloo.resolve("policy")));

        List<rlhf4j.rlhf.consensus.PreferenceGroup> gs = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            var p = new rlhf4j.rlhf.feedback.Prompt("p" + i, "Once upon a time " + i);
            gs.add(new rlhf4j.rlhf.consensus.PreferenceGroup("test", "sentiment", p, List.of(
                    new rlhf4j.rlhf.feedback.Completion("p" + i + "-a", p.id(), " she was happy."),
                    new rlhf4j.rlhf.feedback.Completion("p" + i + "-b", p.id(), " he was sad and cried.")),
                    List.of(new rlhf4j.rlhf.consensus.PreferenceGroup.IndexPair(0, 1))));
        }
        rlhf4j.rlhf.feedback.JsonlWriter.writeAll(groups, rlhf4j.rlhf.consensus.PreferenceGroup.JSON, gs);
        MpiRun.Result d = MpiRun.run(2, Main.class.getName(), List.of("dpo", "--policy", model.toString(), "--tokenizer", tok,
                "--pairs", groups.toString(), "--out", dpo.toString(), "--groups-per-batch", "3", "--lr", "1e-2", "--quiet"), 240);
        assertEquals(0, d.exitCode(), d.output());
        List<String> metrics = Files.readAllLines(dpo.resolve("metrics.jsonl"));
        assertEquals(2, metrics.size(), "one line per step, from rank 0 alone");
        double loss = com.google.gson.JsonParser.parseString(metrics.getFirst()).getAsJsonObject().get("loss").getAsDouble();
        assertEquals(Math.log(2), loss, 1e-6);
        assertTrue(Files.isDirectory(dpo.resolve("policy")));
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(List.of(b));
        return out;
    }

    @Test void theCliUnderMpirunReportsMpiOnceAndFailsFastOnEveryRank(@TempDir Path dir) throws Exception {
        requireMpi();
        MpiRun.Result devices = MpiRun.run(2, Main.class.getName(), List.of("devices"), 120);
        assertEquals(0, devices.exitCode(), devices.output());
        assertTrue(devices.output().contains("mpi    present: Open MPI"), devices.output());
        assertTrue(devices.output().contains("rank 0 of 2"), devices.output());
        assertFalse(devices.output().contains("rank 1 of 2"), "only rank 0 prints: " + devices.output());

        MpiRun.Result notParallel = MpiRun.run(2, Main.class.getName(), List.of("labels", "--help"), 120);
        assertNotEquals(0, notParallel.exitCode(), notParallel.output());
        assertTrue(notParallel.output().contains("rlhf4j labels does not run data-parallel"), notParallel.output());

        Path missing = dir.resolve("no-such-corpus.txt");
        MpiRun.Result bad = MpiRun.run(2, Main.class.getName(), List.of("pretrain", "--data", missing.toString(), "--out",
                dir.resolve("out").toString()), 120);
        assertFalse(bad.timedOut(), bad.output());
        assertNotEquals(0, bad.exitCode(), bad.output());
        assertTrue(bad.output().contains(missing.toString()), bad.output());
    }
}

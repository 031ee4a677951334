package rlhf4j.rlhf.dpo;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.run.AtomicFiles;

/** DPO on a tiny model: log 2 at the start, the gradient by finite differences, a rising margin, exact resume. */
class DpoTrainerTest {
    @TempDir Path dir;

    static DpoTrainer trainer(DpoConfig cfg, int groups, Path dir) {
        Policy p = TinyDpo.policy(3);
        PairData data = PairData.encode(TinyDpo.groups(groups), p, 8);
        return new DpoTrainer(cfg, p.model(), TinyDpo.policy(3).model(), data, data, dir);
    }

    @Test void theFirstStepStartsAtLogTwoWithZeroRewards() {
        DpoTrainer t = trainer(TinyDpo.config(1, 1e-2), 6, dir);
        DpoStats s = t.step();
        assertEquals(Math.log(2), s.loss(), 1e-6);
        assertEquals(new DpoLoss.Metrics(0, 0, 0, 0), s.rewards(), "π = π_ref bit for bit in the first epoch's batches");
        assertTrue(s.gradNorm() > 0, "every pair pulls even at h = 0: " + s.gradNorm());
        PairBatch b = PairData.encode(TinyDpo.groups(6), TinyDpo.policy(3), 8).batch(t.batchGroups(0, 0));
        assertEquals(java.util.Arrays.stream(b.attention().toIntArray()).sum(), s.tokens(), "the batch's real tokens");
        assertEquals(b.pairs().size(), s.pairs());
    }

    @Test void theGradientThroughTheModelMatchesFiniteDifferences() {
        Policy p = TinyDpo.policy(3);
        PairData data = PairData.encode(TinyDpo.groups(4), p, 8);
        PairBatch b = data.batch(new int[]{0, 1, 2, 3});
        float[] ref;
        try (Grad.NoGrad ng = Grad.off()) {
            ref = DpoTrainer.logProbs(TinyDpo.policy(5).model(), b).value().toFloatArray();       // another network: h ≠ 0
        }
        DpoConfig.Loss cfg = new DpoConfig.Loss(DpoConfig.LossType.SIGMOID, 0.5, 0.1);
        TransformerModel m = p.model();
        DpoLoss.compute(DpoTrainer.logProbs(m, b), ref, b.pairs(), cfg).loss().backward();
        int checked = 0;
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            Parameter w = e.getValue();
            float[] g = w.grad().toFloatArray(), v = w.value().toFloatArray();
            for (int i = 0; i < v.length; i += Math.max(1, v.length / 3)) {
                double up = lossWith(m, w, v, i, 1e-2f, b, ref, cfg), down = lossWith(m, w, v, i, -1e-2f, b, ref, cfg);
                double fd = (up - down) / 2e-2;
                assertEquals(fd, g[i], 2e-3 + 0.05 * Math.abs(fd), e.getKey() + "[" + i + "]");
                checked++;
            }
        }
        assertTrue(checked > 20, "checked " + checked);
    }

    private static double lossWith(TransformerModel m, Parameter w, float[] v, int i, float delta, PairBatch b, float[] ref, DpoConfig.Loss cfg) {
        float[] moved = v.clone();
        moved[i] += delta;
        w.value().copyFrom(Tensor.of(moved, w.value().shape()));
        try (Grad.NoGrad ng = Grad.off()) {
            return DpoLoss.compute(DpoTrainer.logProbs(m, b), ref, b.pairs(), cfg).loss().item();
        } finally {
            w.value().copyFrom(Tensor.of(v, w.value().shape()));
        }
    }

    @Test void theChosenOverRejectedMarginRisesWithinAFewSteps() {
        DpoTrainer t = trainer(TinyDpo.config(4, 1e-2), 6, dir);
        DpoStats before = t.evaluate();
        List<DpoStats> run = t.train();
        DpoStats after = t.evaluate();
        assertEquals(12, run.size());
        assertEquals(0.0, before.rewards().margin(), 0);
        assertTrue(after.rewards().margin() > 1.0, "margin " + after.rewards().margin());
        assertEquals(1.0, after.rewards().accuracy(), 0, "every pair ordered right");
        assertTrue(after.loss() < 0.5 * Math.log(2), "loss " + after.loss());
        assertTrue(after.rewards().chosen() > before.rewards().chosen(), "chosen log-ratio went up");
        assertEquals(12, TinyDpoFiles.lines(dir.resolve(DpoTrainer.METRICS)).size());
        assertEquals(4, TinyDpoFiles.lines(dir.resolve(DpoTrainer.EVAL)).size(), "one held-out line per epoch");
    }

    @Test void resumeEqualsAStraightRunBitForBit() throws Exception {
        Path straight = dir.resolve("straight"), split = dir.resolve("split");
        DpoTrainer a = trainer(TinyDpo.config(3, 1e-2), 5, straight);
        a.train();                                                  // 9 steps, checkpoints at 2, 4, 6, 8, 9
        DpoTrainer b1 = trainer(TinyDpo.config(2, 1e-2), 5, split);
        b1.train();                                                 // 6 steps, checkpoints at 2, 4, 6
        AtomicFiles.deleteTree(split.resolve("checkpoints/step-000006"));   // lost: resume falls back to step 4, mid-epoch 2
        Files.writeString(split.resolve(DpoTrainer.METRICS), "{\"step\": 9, \"torn", java.nio.file.StandardOpenOption.APPEND);
        DpoTrainer b2 = trainer(TinyDpo.config(3, 1e-2), 5, split);
        assertEquals(split.resolve("checkpoints/step-000004").toAbsolutePath(), b2.resume().toAbsolutePath());
        assertEquals(4, b2.steps());
        assertEquals(4, b2.history().size());
        b2.train();
        Map<String, Tensor> wa = a.policy().stateDict(), wb = b2.policy().stateDict();
        for (String k : wa.keySet()) assertArrayEquals(wa.get(k).toFloatArray(), wb.get(k).toFloatArray(), k);
        List<JsonObject> la = TinyDpoFiles.lines(straight.resolve(DpoTrainer.METRICS)), lb = TinyDpoFiles.lines(split.resolve(DpoTrainer.METRICS));
        assertEquals(9, la.size());
        assertEquals(la.size(), lb.size());
        for (int i = 0; i < la.size(); i++) {
            la.get(i).remove("seconds");
            lb.get(i).remove("seconds");
            assertEquals(la.get(i), lb.get(i), "step " + i);
        }
        assertEquals(TinyDpoFiles.lines(straight.resolve(DpoTrainer.EVAL)), TinyDpoFiles.lines(split.resolve(DpoTrainer.EVAL)));
    }
}

package rlhf4j.rlhf.reward;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.autograd.Variable;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.tokenizer.CharTokenizer;

class RewardModelTest {
    static final CharTokenizer CHARS = new CharTokenizer("abcdefghx>");

    static RewardModel tinyModel(long seed) {
        Gpt2 trunk = new Gpt2(new GptConfig(1, 2, 32, 32, CHARS.vocabSize(), 0.0), seed);
        return RewardModel.create(trunk, CHARS, 32, seed);
    }

    static String filler(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append("abcdefgh".charAt(rnd.nextInt(8)));
        return sb.toString();
    }

    /** A completion with {@code xs} copies of the target token 'x' among filler: more x is better. */
    static String withX(Random rnd, int xs) {
        StringBuilder sb = new StringBuilder(filler(rnd, 6 + rnd.nextInt(6)));
        for (int i = 0; i < xs; i++) sb.insert(rnd.nextInt(sb.length() + 1), 'x');
        return sb.toString();
    }

    /** K = 3 completions with 0, 1, 2 target tokens, shown in random order, ranked by their count. */
    static List<PreferenceGroup> groups(int n, long seed) {
        Random rnd = new Random(seed);
        List<PreferenceGroup> out = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            String id = "g" + seed + "-" + g;
            List<Completion> cs = new ArrayList<>();
            int[] order = {0, 1, 2};
            for (int i = 2; i > 0; i--) { int j = rnd.nextInt(i + 1), t = order[i]; order[i] = order[j]; order[j] = t; }
            for (int i = 0; i < 3; i++) cs.add(new Completion(id + "-" + order[i], id, withX(rnd, order[i])));
            out.add(PreferenceGroup.of("sim", "x", new Prompt(id, filler(rnd, 3) + ">"), cs,
                    Ranking.strict(id + "-2", id + "-1", id + "-0")));
        }
        return out;
    }

    @Test void learnsAKnownPreference() {
        Gpt2 trunk = new Gpt2(new GptConfig(1, 2, 16, 24, CHARS.vocabSize(), 0.0), 1);
        RewardModel model = RewardModel.create(trunk, CHARS, 24, 1);
        var trainer = new RewardTrainer(model, new RewardTrainer.Config(1, 8, 1e-2, 0.0, 0.0, 1.0, 2));
        List<PreferenceGroup> train = groups(120, 10), heldOut = groups(40, 11);
        double before = RewardTrainer.evaluate(model, heldOut, 0).accuracy();
        double firstLoss = Double.NaN, after = before;
        for (int epoch = 1; epoch <= 8 && after < 0.97; epoch++) {        // stop once it has clearly learnt
            RewardTrainer.Epoch e = trainer.train(train, heldOut, null).getFirst();
            if (epoch == 1) firstLoss = e.trainLoss();
            after = e.heldOutAccuracy();
        }
        assertTrue(before < 0.8, "an untrained model should not already know the preference: " + before);
        assertTrue(after >= 0.95, "held-out pairwise accuracy " + after + " (before training " + before + ")");
        assertEquals(after, RewardTrainer.evaluate(model, heldOut, 0).accuracy(), 1e-12);
        assertTrue(firstLoss > 0);
    }

    @Test void groupedBatchGivesTheLossOfItsPairsOneByOne() {
        RewardModel model = tinyModel(2);
        List<PreferenceGroup> gs = groups(3, 20);
        List<int[]> rows = new ArrayList<>();
        for (PreferenceGroup g : gs) rows.addAll(List.of(RewardTrainer.encode(model, g)));
        double grouped;
        try (MemoryScope s = MemoryScope.open()) {
            grouped = PairwiseLoss.loss(model.rewards(TokenBatch.of(rows, TokenBatch.Side.RIGHT)),
                    PairwiseLoss.Pairs.ofGroups(gs), 0).item();
        }
        double oneByOne = 0;
        for (PreferenceGroup g : gs) {
            int[][] ids = RewardTrainer.encode(model, g);
            double sum = 0;
            for (var p : g.pairs()) {
                try (MemoryScope s = MemoryScope.open()) {
                    Variable r = model.rewards(TokenBatch.of(List.of(ids[p.winner()], ids[p.loser()]), TokenBatch.Side.RIGHT));
                    sum += PairwiseLoss.loss(r, PairwiseLoss.Pairs.uniform(new int[]{0}, new int[]{1}), 0).item();
                }
            }
            oneByOne += sum / g.pairs().size() / gs.size();
        }
        assertEquals(oneByOne, grouped, 1e-5);
    }

    @Test void rewardIsIndependentOfPadding() {
        RewardModel model = tinyModel(3);
        Random rnd = new Random(4);
        List<int[]> seqs = new ArrayList<>();
        for (int len : new int[]{3, 9, 17, 1, 12}) seqs.add(CHARS.encode(filler(rnd, len)));
        float[] alone = new float[seqs.size()];
        for (int i = 0; i < alone.length; i++) alone[i] = model.scoreIds(List.of(seqs.get(i)))[0];
        for (TokenBatch.Side side : TokenBatch.Side.values()) {
            float[] batched;
            try (MemoryScope s = MemoryScope.open()) {
                batched = model.rewards(TokenBatch.of(seqs, side)).value().toFloatArray();
            }
            for (int i = 0; i < alone.length; i++) assertEquals(alone[i], batched[i], 1e-5, side + " padding, row " + i);
        }
        // and the reward does depend on the text (not a constant)
        assertNotEquals(alone[0], alone[1], 1e-4);
    }

    @Test void normalizationCentresTheReferenceOnZero(@TempDir Path dir) throws Exception {
        RewardModel model = tinyModel(5);
        Random rnd = new Random(6);
        List<int[]> ref = new ArrayList<>();
        for (int i = 0; i < 40; i++) ref.add(CHARS.encode(withX(rnd, rnd.nextInt(3))));
        float[] before = model.scoreIds(ref);
        double mean = 0;
        for (float r : before) mean += r / before.length;
        RewardModel.Normalization n = model.normalize(ref);
        assertEquals(mean, n.mean(), 1e-5);
        float[] after = model.scoreIds(ref);
        double newMean = 0, sq = 0;
        for (float r : after) newMean += r / after.length;
        for (float r : after) sq += (r - newMean) * (r - newMean) / after.length;
        assertEquals(0, newMean, 1e-5);
        assertEquals(n.std(), Math.sqrt(sq), 1e-5);
        for (int i = 0; i < after.length; i++) assertEquals(before[i] - mean, after[i], 1e-5);

        // the saved model scores the same and remembers its normalisation
        model.save(dir.resolve("rm"), null);
        RewardModel loaded = RewardModel.load(dir.resolve("rm"), Device.CPU);
        float[] again = loaded.scoreIds(ref);
        for (int i = 0; i < after.length; i++) assertEquals(after[i], again[i], 1e-6);
        assertEquals(n.std(), loaded.normalization().std(), 1e-12);
        var sample = new RewardFunction.Sample(">", "abx", null, null);
        assertEquals(loaded.score(">abx"), loaded.score(List.of(sample))[0], 1e-6);
    }

    @Test void aLlamaPolicyTrunkSavesAndLoads(@TempDir Path dir) throws Exception {
        Path bin = CommandsTest.shared("stories260k/stories260K.bin"), tok = CommandsTest.shared("stories260k/tok512.bin");
        var trunk = TrunkFiles.loadTrunk(bin, Device.CPU);
        RewardModel model = RewardModel.create(trunk, TrunkFiles.loadTokenizer(bin, tok, trunk.vocabSize()), 64, 9);
        var samples = List.of(new RewardFunction.Sample("Once upon a time", " there was a cat.", null, null),
                new RewardFunction.Sample("Lily", " was sad.", null, null));
        float[] r = model.score(samples);
        model.save(dir.resolve("rm"), null);
        RewardModel loaded = RewardModel.load(dir.resolve("rm"), Device.CPU);
        assertArrayEquals(r, loaded.score(samples), 1e-5f);
        // token ids, when a sample has them, are scored as given: the same as the text's own encoding here
        int[] ids = model.scoring.tokenizer.encode("Lily was sad.");
        var withIds = new RewardFunction.Sample("Lily", " was sad.", java.util.Arrays.copyOf(ids, 2),
                java.util.Arrays.copyOfRange(ids, 2, ids.length));
        assertEquals(r[1], loaded.score(List.of(withIds))[0], 1e-5);
    }

    @Test void headStartsWithTheStatedScale() {
        RewardModel model = tinyModel(7);
        float[] w = model.scoring.head.score.weight.value().toFloatArray();
        double sq = 0;
        for (float x : w) sq += x * x;
        // 32 draws of N(0, 1/33): the sample variance is 1/33 within a wide tolerance
        assertEquals(1.0 / 33, sq / w.length, 0.6 / 33);
        assertEquals(0f, model.scoring.head.score.bias.value().toFloatArray()[0]);
    }
}

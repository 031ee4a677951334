package rlhf4j.rlhf.reward;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.data.LabeledText;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.tokenizer.CharTokenizer;

class ClassifierTest {
    static final CharTokenizer CHARS = new CharTokenizer("abcdefxyz");

    /** Class c is marked by one copy of "xyz".charAt(c) among filler: separable by a single token. */
    static List<LabeledText> data(int n, long seed) {
        Random rnd = new Random(seed);
        List<LabeledText> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(3);
            StringBuilder sb = new StringBuilder();
            for (int j = 0, len = 4 + rnd.nextInt(8); j < len; j++) sb.append("abcdef".charAt(rnd.nextInt(6)));
            sb.insert(rnd.nextInt(sb.length() + 1), "xyz".charAt(c));
            out.add(new LabeledText(sb.toString(), c));
        }
        return out;
    }

    @Test void learnsASeparableTaskAndScoresAsAReward(@TempDir Path dir) throws Exception {
        Gpt2 trunk = new Gpt2(new GptConfig(1, 2, 16, 16, CHARS.vocabSize(), 0.0), 1);
        Classifier model = Classifier.create(trunk, CHARS, List.of("x", "y", "z"), 2, 16, 1);
        var trainer = new ClassifierTrainer(model, new ClassifierTrainer.Config(1, 16, 1e-2, 0.0, 1.0, 3));
        List<LabeledText> train = data(200, 1), val = data(60, 2);
        ClassificationMetrics m = ClassifierTrainer.evaluate(model, val);
        for (int epoch = 1; epoch <= 8 && m.accuracy() < 0.98; epoch++) m = trainer.train(train, val, null).getFirst().validation();
        assertTrue(m.accuracy() >= 0.95, m.toString());
        assertTrue(m.macroF1() >= 0.95, m.toString());

        // the reward is the logit of the chosen class; probabilities are its softmax
        List<String> texts = List.of("abzab", "abxab");
        float[][] z = model.logits(texts), p = model.probabilities(texts);
        for (int i = 0; i < 2; i++) {
            double sum = 0, norm = 0;
            for (float v : z[i]) norm += Math.exp(v);
            for (int c = 0; c < 3; c++) { sum += p[i][c]; assertEquals(Math.exp(z[i][c]) / norm, p[i][c], 1e-5); }
            assertEquals(1, sum, 1e-5);
            assertEquals(z[i][2], model.score(texts.get(i)), 1e-5);
        }
        assertTrue(model.score("abzab") > model.score("abxab"));
        var samples = List.of(new RewardFunction.Sample("ignored x", "abzab", null, null));
        assertEquals(z[0][2], model.score(samples)[0], 1e-5);          // the completion alone by default
        assertEquals(z[0][0], model.rewarding("x", false).score(samples)[0], 1e-5);

        model.save(dir.resolve("clf"), null);
        Classifier loaded = Classifier.load(dir.resolve("clf"), Device.CPU);
        assertEquals(List.of("x", "y", "z"), loaded.classes);
        assertEquals(2, loaded.rewardClass());
        assertArrayEquals(z[1], loaded.logits(texts)[1], 1e-6f);
        assertThrows(java.io.IOException.class, () -> RewardModel.load(dir.resolve("clf"), Device.CPU));
    }
}

package rlhf4j.rlhf.reward;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NgramClassifierTest {
    @Test void learnsTheToyTaskAndRoundTrips(@TempDir Path dir) throws Exception {
        NgramClassifier m = new NgramClassifier(12, 3, 1);
        m.train(ClassifierTest.data(300, 1), 5, 0.2, 1e-6, 1);
        ClassificationMetrics v = m.evaluate(ClassifierTest.data(100, 2));
        assertTrue(v.accuracy() >= 0.95, v.toString());
        float[] p = NgramClassifier.softmax(m.logits("abyab"));
        assertTrue(p[1] > 0.5, java.util.Arrays.toString(p));
        m.save(dir.resolve("m.safetensors"));
        NgramClassifier back = NgramClassifier.load(dir.resolve("m.safetensors"));
        assertArrayEquals(m.logits("abyab"), back.logits("abyab"), 0f);
        assertEquals(1, back.rewardClass());
        assertEquals(m.logits("abyab")[1], back.score(List.of(new RewardFunction.Sample("x", "abyab", null, null)))[0], 0f);
    }
}

package rlhf4j.rlhf.reward;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.oracle.Vader;
import rlhf4j.tensor.Device;

class RewardSourceTest {
    @Test void parsesEachFormAndPrintsItBack() {
        assertEquals(new RewardSource.RewardModelDir(Path.of("runs/rm")), RewardSource.parse("rm:runs/rm"));
        assertEquals(new RewardSource.ClassifierClass(Path.of("c"), "not-hate"), RewardSource.parse("classifier:c:not-hate"));
        assertEquals(new RewardSource.ClassifierClass(Path.of("c"), null), RewardSource.parse("classifier:c"));
        assertEquals(new RewardSource.ClassifierClass(Path.of("C:\\models\\c"), null), RewardSource.parse("classifier:C:\\models\\c"));
        assertEquals(new RewardSource.ClassifierClass(Path.of("C:/m"), "hate"), RewardSource.parse("classifier:C:/m:hate"));
        assertEquals(new RewardSource.Oracle("afinn"), RewardSource.parse("oracle:AFINN"));
        for (String spec : List.of("rm:a/b", "classifier:x:hate", "classifier:x", "oracle:vader"))
            assertEquals(spec, RewardSource.parse(spec).spec());
        for (String bad : List.of("rm", "rm:", "model:x", "oracle:sentiwordnet", ""))
            assertThrows(IllegalArgumentException.class, () -> RewardSource.parse(bad), bad);
    }

    @Test void loadsOraclesAndClassifiersWithTheirClass(@TempDir Path dir) throws Exception {
        var sample = new RewardFunction.Sample("Once upon a time", " she was happy and good.", null, null);
        assertEquals((float) Vader.load().score(sample.completion()), RewardSource.parse("oracle:vader").load(Device.CPU).score(List.of(sample))[0]);

        NgramClassifier m = new NgramClassifier(12, List.of("x", "y", "z"), 1);
        m.train(ClassifierTest.data(300, 1), 3, 0.2, 1e-6, 1);
        Files.createDirectories(dir.resolve("c"));
        m.save(dir.resolve("c").resolve(NgramClassifier.WEIGHTS_FILE));
        float[] z = m.logits("abyab");
        var yz = new RewardFunction.Sample("prompt ", "abyab", null, null);
        assertEquals(z[1], RewardSource.parse("classifier:" + dir.resolve("c")).load(Device.CPU).score(List.of(yz))[0]);  // its own class
        assertEquals(z[2], RewardSource.parse("classifier:" + dir.resolve("c") + ":z").load(Device.CPU).score(List.of(yz))[0]);
        // P(y) from the classifier itself: softmax of its logits
        double sum = 0;
        for (float x : z) sum += Math.exp(x);
        var p = ((RewardSource.ClassifierClass) RewardSource.parse("classifier:" + dir.resolve("c") + ":y")).probability(Device.CPU);
        assertEquals(Math.exp(z[1]) / sum, p.score("abyab"), 1e-12);
        assertEquals("P(y)", p.name());

        var noClass = assertThrows(IllegalArgumentException.class,
                () -> RewardSource.parse("classifier:" + dir.resolve("c") + ":w").load(Device.CPU));
        assertTrue(noClass.getMessage().contains("[x, y, z]"), noClass.getMessage());
        assertThrows(NoSuchFileException.class, () -> RewardSource.parse("rm:" + dir.resolve("none")).load(Device.CPU));
        assertThrows(NoSuchFileException.class, () -> RewardSource.parse("classifier:" + dir.resolve("none") + ":x").load(Device.CPU));
    }
}

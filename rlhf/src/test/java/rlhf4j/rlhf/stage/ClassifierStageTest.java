package rlhf4j.rlhf.stage;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.data.TweetEvalHate;
import rlhf4j.rlhf.reward.NgramClassifier;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.rlhf.reward.TextClassifier;

class ClassifierStageTest {
    /** The n-gram defaults reach the README's TweetEval-hate validation figures (accuracy 0.733, macro-F1 0.728). */
    @Test void ngramDefaultsReachTheDocumentedFigures(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("ngram");
        ClassifierStage.Result r = new ClassifierStage(ClassifierStage.Config.ngramDefaults(), StageContext.quiet()).run(out);
        assertEquals(9000, r.trainingExamples());
        assertEquals(1000, r.valExamples());
        assertEquals(0.733, r.validation().accuracy(), 0.0015, r.validation().toString());
        assertEquals(0.728, r.validation().macroF1(), 0.0015, r.validation().toString());
        JsonObject metrics = JsonParser.parseString(Files.readString(out.resolve(ClassifierStage.METRICS_FILE))).getAsJsonObject();
        assertEquals(r.validation().accuracy(), metrics.get("val_accuracy").getAsDouble());

        // what it saved scores the same: as classifier:OUT (its reward class, not-hate) and by class name
        TextClassifier c = TextClassifier.load(out, null);
        assertInstanceOf(NgramClassifier.class, c);
        assertEquals(List.of("not-hate", "hate"), c.classes());
        assertEquals(r.validation().accuracy(), c.evaluate(TweetEvalHate.val()).accuracy());
        assertEquals("classifier:" + out + ":not-hate", new RewardSource.ClassifierClass(out, c.classes().get(c.rewardClass())).spec());

        // an existing output is refused, and replaced on request
        var refused = assertThrows(IllegalArgumentException.class,
                () -> new ClassifierStage(ClassifierStage.Config.ngramDefaults(), StageContext.quiet()).run(out));
        assertTrue(refused.getMessage().contains("--overwrite"), refused.getMessage());
        var small = ClassifierStage.Config.ngramDefaults().withData(new ClassifierStage.Data("tweeteval-hate", null, 500, 100));
        ClassifierStage.Result again = new ClassifierStage(small, StageContext.quiet().withOutput(OutputMode.REPLACE)).run(out);
        assertEquals(500, again.trainingExamples());
        assertEquals(100, again.valExamples());
    }
}

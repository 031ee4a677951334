package rlhf4j.rlhf.stage;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.rlhf.oracle.Vader;
import rlhf4j.rlhf.pipeline.PipelineConfig;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.llama.Llama;

/** The Davidson classifier as an eval-only judge next to the trained-against reward. */
class HeldOutJudgeTest {
    /** The pipeline's judge stage settings on Davidson's tweets; eval reports P(hate) of it for both policies. */
    @Test void aDavidsonJudgeScoresEvaluationsItNeverTrainedThePolicy(@TempDir Path dir) throws Exception {
        Path judge = dir.resolve("judge");
        ClassifierStage.Result j = new ClassifierStage(ClassifierStage.Config.ngramDefaults().withData(ClassifierStage.Data.of("davidson")),
                StageContext.quiet()).run(judge);
        assertTrue(j.validation().accuracy() > 0.85, "Davidson validation " + j.validation());

        Path model = dir.resolve("tiny.bin");
        new Llama(LlamaConfig.llama2c(16, 32, 1, 2, 2, 512, 64, true), 3).saveLlama2c(model);
        PolicySource policy = PolicySource.of(model, DataSets.file("stories260k/tok512.bin"));
        RewardSource hate = RewardSource.parse("classifier:" + judge + ":hate"), vader = RewardSource.parse("oracle:vader");
        EvalStage.Config cfg = EvalStage.Config.defaults().withSampling(new EvalStage.Sampling(8, 1.0, 5, 4)).withJudges(List.of(hate, vader));
        List<String> prompts = List.of("Once upon a time", "The dog", "She said", "They went to the", "I hate");
        EvalStage.Result r = new EvalStage(cfg, StageContext.quiet()).run(new EvalStage.Inputs(policy, model, vader, prompts), dir.resolve("eval"));

        Evaluation.Result e = EvalStage.read(dir.resolve("eval"));               // as written to result.json
        assertEquals(List.of(hate.spec(), vader.spec()), List.copyOf(e.judges().keySet()));
        TextScorer pHate = ((RewardSource.ClassifierClass) hate).probability(Device.CPU);
        double ref = 0, trained = 0, refVader = 0;
        for (Evaluation.SampleRow row : e.samples()) {
            ref += pHate.score(row.reference());
            trained += pHate.score(row.trained());
            refVader += Vader.load().score(row.reference());
        }
        int n = prompts.size();
        assertEquals(ref / n, e.judges().get(hate.spec()).reference().mean(), 1e-6, "P(hate) of the reference's completions");
        assertEquals(trained / n, e.judges().get(hate.spec()).trained().mean(), 1e-6);
        assertEquals(refVader / n, e.judges().get(vader.spec()).reference().mean(), 1e-6, "a non-classifier judge scores its reward");
        assertEquals(r.evaluation().judges().get(hate.spec()), e.judges().get(hate.spec()));
    }

    @Test void theDetoxDemoEvaluatesWithTheDavidsonJudge(@TempDir Path dir) throws Exception {
        PipelineConfig detox = PipelineConfig.parse(com.google.gson.JsonParser.parseString(
                rlhf4j.rlhf.pipeline.Pipeline.demoConfigText("detox")).getAsJsonObject(), "demo-detox.json", null);
        assertEquals(List.of("davidson", "davidson:neither"), detox.eval().judges());
        var p = new rlhf4j.rlhf.pipeline.Pipeline(detox, "{}", dir.resolve("run"), null);
        List<String> stages = p.stageNames();
        assertEquals(stages.indexOf("ppo") - 1, stages.indexOf("judge"), "the judge is trained before the policy: " + stages);
        var bad = assertThrows(rlhf4j.rlhf.pipeline.ConfigException.class, () -> PipelineConfig.parse(com.google.gson.JsonParser.parseString(
                "{\"eval\": {\"judges\": [\"davidson:rude\"]}}").getAsJsonObject(), "c.json", null));
        assertEquals("c.json: field 'eval.judges': \"davidson:rude\": the Davidson classes are hate, offensive and neither", bad.getMessage());
        bad = assertThrows(rlhf4j.rlhf.pipeline.ConfigException.class, () -> PipelineConfig.parse(com.google.gson.JsonParser.parseString(
                "{\"eval\": {\"judges\": [\"gpt4\"]}}").getAsJsonObject(), "c.json", null));
        assertTrue(bad.getMessage().startsWith("c.json: field 'eval.judges': \"gpt4\" is neither davidson nor a reward source"), bad.getMessage());
    }
}

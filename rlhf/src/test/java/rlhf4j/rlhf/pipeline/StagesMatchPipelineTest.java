package rlhf4j.rlhf.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.data.PromptSource;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.stage.LabelStage;
import rlhf4j.rlhf.stage.PairsStage;
import rlhf4j.rlhf.stage.SampleStage;
import rlhf4j.rlhf.stage.StageContext;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Policy;

/** The sample, label and pairs stages write what the pipeline's stages of the same name write for the same settings. */
class StagesMatchPipelineTest {
    @Test void sameFilesAsThePipeline(@TempDir Path dir) throws Exception {
        Path configFile = PipelineTest.tinyConfig(dir);
        PipelineConfig cfg = PipelineConfig.load(configFile);
        Path run = dir.resolve("run");
        new Pipeline(cfg, Files.readString(configFile), run, null).run();

        // tinyConfig: seed 3, 8 training + 4 held-out prompts, k 3, 6 new tokens, temperature 1 (default), batch 12
        Policy policy = Policy.load(cfg.policy().checkpoint(), null, Device.CPU);
        List<Prompt> all = new PromptSource("tinystories", 8).prompts().subList(0, 12);
        List<Prompt> heldOut = PromptSource.numbered(all.subList(8, 12).stream().map(Prompt::text).toList(), "e");
        Path out = dir.resolve("stages");
        new SampleStage(SampleStage.Config.defaults().withK(3).withMaxNewTokens(6).withBatchSize(5).withSeed(cfg.seed()), StageContext.quiet())
                .run(new SampleStage.Input(policy, cfg.policy().checkpoint().toString(), all.subList(0, 8), heldOut), out.resolve("samples"));
        for (String f : List.of("prompts.jsonl", "completions.jsonl", "eval_prompts.jsonl"))
            assertEquals(Files.readString(run.resolve("samples").resolve(f)), Files.readString(out.resolve("samples").resolve(f)), f);

        // the pipeline seeds its labelers from seed + 100
        FeedbackData samples = FeedbackData.readFrom(out.resolve("samples"));
        LabelStage.Simulated sim = LabelStage.Simulated.of("vader", List.of(0.01, 0.05), "sentiment", cfg.seed() + 100);
        new LabelStage(LabelStage.Config.defaults().withSimulated(sim), StageContext.quiet())
                .run(samples.prompts(), samples.completions(), out.resolve("labels"));
        List<Judgement> expected = Jsonl.read(run.resolve("labels/judgements.jsonl"), FeedbackJson.JUDGEMENT);
        List<Judgement> actual = Jsonl.read(out.resolve("labels/judgements.jsonl"), FeedbackJson.JUDGEMENT);
        assertEquals(16, actual.size());
        assertEquals(withoutTime(expected), withoutTime(actual));                    // the time is when they were made
        for (String f : List.of("agreement.txt", "agreement.json"))
            assertEquals(Files.readString(run.resolve("labels").resolve(f)), Files.readString(out.resolve("labels").resolve(f)), f);

        FeedbackData labelled = new FeedbackData(samples.prompts(), samples.completions(), expected);
        new PairsStage(new PairsStage.Config(ConsensusMethod.BORDA), StageContext.quiet()).run(labelled, out.resolve("pairs"));
        assertEquals(Files.readString(run.resolve("pairs/groups.jsonl")), Files.readString(out.resolve("pairs/groups.jsonl")));
    }

    private static List<Judgement> withoutTime(List<Judgement> js) {
        return js.stream().map(j -> new Judgement(j.labelerId(), j.criterion(), j.promptId(), j.ranking(), null, j.unusable(), j.comment())).toList();
    }
}

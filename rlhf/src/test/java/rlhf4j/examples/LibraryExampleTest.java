package rlhf4j.examples;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.data.PromptSource;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.rlhf.stage.LabelStage;
import rlhf4j.rlhf.stage.PairsStage;
import rlhf4j.rlhf.stage.PolicySource;
import rlhf4j.rlhf.stage.PpoStage;
import rlhf4j.rlhf.stage.RewardModelStage;
import rlhf4j.rlhf.stage.SampleStage;
import rlhf4j.rlhf.stage.StageContext;
import rlhf4j.rlhf.stage.TrunkSource;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.data.DataSets;

/** The README's "use it as a library" example, compiled and run here; the README must quote it verbatim. */
class LibraryExampleTest {
    @TempDir Path run;

    /** The example: stories260K → 4 completions per prompt → simulated VADER labelers → reward model → PPO. */
    static Path example(Path run) throws Exception {
        // BEGIN README EXAMPLE
        Path checkpoint = DataSets.file("stories260k/stories260K.bin");     // the tokenizer beside it is found
        StageContext ctx = StageContext.quiet();
        Policy policy = Policy.load(checkpoint, null, ctx.device());
        var prompts = new PromptSource("tinystories", 8).prompts().subList(0, 32);
        new SampleStage(SampleStage.Config.defaults().withK(4).withMaxNewTokens(32), ctx)
                .run(SampleStage.Input.of(policy, checkpoint.toString(), prompts), run.resolve("samples"));
        FeedbackData samples = FeedbackData.readFrom(run.resolve("samples"));
        var labelers = LabelStage.Simulated.of("vader", List.of(0.25, 0.5, 1.0), "sentiment", 1);
        var labels = new LabelStage(LabelStage.Config.defaults().withSimulated(labelers), ctx)
                .run(samples.prompts(), samples.completions(), run.resolve("labels"));
        var judged = new FeedbackData(samples.prompts(), samples.completions(),
                FeedbackData.readJudgements(labels.judgements(), samples));
        var groups = new PairsStage(PairsStage.Config.defaults(), ctx).run(judged, run.resolve("pairs"));
        new RewardModelStage(RewardModelStage.Config.defaults(new TrunkSource.Checkpoint(checkpoint, null)), ctx)
                .run(RewardModelStage.readGroups(groups.groups()), run.resolve("rm"));
        var ppo = new PpoStage(PpoConfig.defaults().withMaxIterations(2), ctx).run(new PpoStage.Inputs(
                PolicySource.of(checkpoint, null), RewardSource.parse("rm:" + run.resolve("rm")),
                new PromptSource("tinystories", 8).texts().subList(32, 96), null, false), run.resolve("ppo"));
        // END README EXAMPLE
        return ppo.policyDir();
    }

    @Test void theExampleRunsAndLeavesATrainedPolicy() throws Exception {
        Path policy = example(run);
        assertTrue(Files.isRegularFile(run.resolve("rm").resolve(RewardModelStage.METRICS_FILE)));
        assertTrue(Files.isRegularFile(run.resolve("ppo").resolve("metrics.jsonl")));
        assertEquals(2, Files.readAllLines(run.resolve("ppo").resolve("metrics.jsonl")).size());
        assertEquals(512, Policy.load(policy, null, StageContext.quiet().device()).tokenizer().vocabSize());
    }

    @Test void theReadmeQuotesTheExampleVerbatim() throws Exception {
        Path here = Path.of("").toAbsolutePath();
        Path readme = Files.isRegularFile(here.resolve("README.md")) ? here.resolve("README.md") : here.getParent().resolve("README.md");
        Path self = here.resolve("src/test/java/rlhf4j/examples/LibraryExampleTest.java");
        String source = Files.readString(self, StandardCharsets.UTF_8);
        String body = source.substring(source.indexOf("// BEGIN README EXAMPLE\n") + 24, source.indexOf("        // END README EXAMPLE"));
        String unindented = body.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip()).reduce((a, b) -> a + "\n" + b).orElse("");
        assertTrue(Files.readString(readme, StandardCharsets.UTF_8).contains(unindented), "README.md must quote:\n" + unindented);
    }
}

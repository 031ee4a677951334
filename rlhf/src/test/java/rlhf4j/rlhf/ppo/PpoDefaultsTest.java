package rlhf4j.rlhf.ppo;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.data.TinyStories;
import rlhf4j.rlhf.oracle.Vader;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;

/**
 * {@link PpoConfig#defaults()} on the real thing, as {@code rlhf4j ppo --policy stories260K.bin --reward oracle:vader
 * --prompts tinystories} runs it: stories260K, the first 8 words of each TinyStories story as prompts, the VADER
 * compound score of the completion as the reward, stopping at BOS. Twenty iterations must visibly raise the score.
 */
class PpoDefaultsTest {
    /**
     * The last five iterations' mean score must exceed the first five's by this much (VADER compound ∈ [−1, 1]). A
     * five-iteration mean of batches of 32 wobbles by about 0.03; three seeds gained 0.20, 0.21 and 0.26.
     */
    static final double MARGIN = 0.1;

    @TempDir Path dir;

    @Test void defaultsVisiblyRaiseTheVaderScoreOfStories260kIn20Iterations() throws Exception {
        Path checkpoint = DataSets.file("stories260k/stories260K.bin");
        Llama policy = Llama.fromLlama2c(checkpoint), reference = Llama.fromLlama2c(checkpoint);
        LlamaTokenizer tok = LlamaTokenizer.load(DataSets.file("stories260k/tok512.bin"), policy.vocabSize());
        List<int[]> prompts = TinyStories.firstWordsPrompts(TinyStories.load(), 8).stream().map(s -> tok.encode(s, true, false)).toList();
        PpoConfig cfg = PpoConfig.defaults().withMaxIterations(20);
        PpoTrainer trainer = new PpoTrainer(cfg, PpoModels.withValueHead(policy, reference), RewardFunction.of(Vader.load(), false), tok,
                LlamaTokenizer.BOS, prompts, dir);

        List<IterationStats> run = trainer.train();

        assertEquals(20, run.size());
        double first = meanScore(run.subList(0, 5)), last = meanScore(run.subList(15, 20));
        String figures = String.format(Locale.ROOT, "mean score of iterations 0–4 %.3f, of 15–19 %.3f; KL %.2f", first, last,
                run.getLast().kl().sequence());
        assertTrue(last > first + MARGIN, "the defaults should raise the score by more than " + MARGIN + ": " + figures);
        double kl = run.getLast().kl().sequence();
        assertTrue(kl > 0.5 && kl < 20, "the policy moved, but stayed near the reference (KL per sequence in nats): " + figures);
        assertEquals(0.0, run.getFirst().updates().firstRatioError(), "ρ = 1 before the first update");
    }

    private static double meanScore(List<IterationStats> stats) {
        return stats.stream().mapToDouble(s -> s.score().mean()).average().orElseThrow();
    }
}

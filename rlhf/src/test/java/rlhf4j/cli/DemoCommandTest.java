package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import rlhf4j.rlhf.pipeline.PipelineConfig;

class DemoCommandTest {
    private static PipelineConfig parse(String... args) throws Exception {
        DemoCommand d = new DemoCommand();
        new CommandLine(d).parseArgs(args);
        return PipelineConfig.parse(d.config(), "demo", null);
    }

    @Test void theDemoIsAPipelineConfigWithTheOptionsApplied() throws Exception {
        PipelineConfig full = parse();
        assertEquals("pairwise", full.rewardModel().type());
        assertEquals("vader", full.labelers().oracle());
        assertEquals("afinn", full.eval().gold());
        assertEquals(3, full.labelers().temperatures().size());
        assertEquals(4, full.sampling().k());

        PipelineConfig quick = parse("--quick", "--seed", "42");
        assertEquals(42, quick.seed());
        assertEquals(128, quick.prompts().train());
        assertTrue(quick.ppo().stopping().maxIterations() < full.ppo().stopping().maxIterations());

        PipelineConfig detox = parse("--task", "detox");
        assertFalse(detox.eval().showSamples());                      // offensive samples stay hidden by default
        assertTrue(detox.eval().toxicity());
        assertTrue(parse("--task", "detox", "--show-samples").eval().showSamples());

        assertThrows(IllegalArgumentException.class, () -> parse("--task", "poetry"));
    }

    @Test void theAlgorithmIsChosenAndQuickShrinksItsBudgetToo() throws Exception {
        assertEquals("ppo", parse().training().algorithm());
        for (String task : new String[]{"sentiment", "detox"})
            for (String a : new String[]{"grpo", "rloo"}) {
                PipelineConfig full = parse("--task", task, "--algorithm", a), quick = parse("--task", task, "--algorithm", a, "--quick");
                assertEquals(a, full.training().algorithm());
                assertEquals(60, full.training().criticFree().stopping().maxIterations());
                assertEquals(20, quick.training().criticFree().stopping().maxIterations());
                assertEquals(16, quick.training().criticFree().sampling().batchSize(), "the quick PPO's 16 rollouts");
                assertEquals(32, quick.training().maxNewTokens());
            }
        assertEquals(0.1, parse("--algorithm", "dpo").training().dpo().training().loss().beta());
        IllegalArgumentException noPairs = assertThrows(IllegalArgumentException.class, () -> parse("--task", "detox", "--algorithm", "dpo"));
        assertTrue(noPairs.getMessage().contains("pairwise"), noPairs.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--algorithm", "a2c"));
        assertTrue(e.getMessage().contains("--algorithm a2c"), e.getMessage());
    }
}

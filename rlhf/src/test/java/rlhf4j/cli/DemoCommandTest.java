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
}

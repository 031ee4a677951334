package rlhf4j.bench;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import rlhf4j.rlhf.data.TinyStories;
import rlhf4j.rlhf.pipeline.Pipeline;
import rlhf4j.rlhf.pipeline.PipelineConfig;
import rlhf4j.rlhf.ppo.IterationStats;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.ppo.PpoModels;
import rlhf4j.rlhf.ppo.PpoTrainer;
import rlhf4j.rlhf.reward.RewardModel;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;

/**
 * One PPO iteration of the demo's configuration ({@code rlhf4j demo}: stories260K policy + value head, frozen
 * reference, a stories260K-trunk reward model, the demo's batch size, tokens, epochs and minibatches), broken down
 * into its phases: sampling, reward-model scoring, the rollout's own forward pass (log π_old, values), the
 * reference's log-probs, and learning (the PPO epochs). The reward model is untrained, which costs the same.
 *
 * <p>JMH: {@code ./rlhf4j bench PpoIterationBench}; the phase counters read as seconds per iteration. Without JMH
 * (quicker, one process): {@code java -cp benchmarks/target/benchmarks.jar rlhf4j.bench.PpoIterationBench [iterations]}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, batchSize = 1)
@Measurement(iterations = 3, batchSize = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class PpoIterationBench {
    private PpoTrainer trainer;

    /** Seconds per phase, summed over the iterations of a measurement (JMH divides by the iterations). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Phases {
        public double generation, scoring, policyForward, reference, learning, tokens;

        @Setup(Level.Iteration) public void reset() { generation = scoring = policyForward = reference = learning = tokens = 0; }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        trainer = demoTrainer(Files.createTempDirectory("ppo-bench"));
    }

    @Benchmark
    public IterationStats iteration(Phases p) {
        IterationStats s = trainer.step();
        IterationStats.Timings t = s.time();
        p.generation += t.generation();
        p.scoring += t.scoring();
        p.policyForward += t.policyForward();
        p.reference += t.reference();
        p.learning += t.learning();
        p.tokens += s.completions().length() * batch;                 // completion tokens sampled
        return s;
    }

    private int batch;

    /** A trainer set up as the demo's PPO stage is, writing its logs into runDir. */
    PpoTrainer demoTrainer(Path runDir) throws IOException {
        PipelineConfig cfg = PipelineConfig.parse(JsonParser.parseString(Pipeline.demoConfigText("sentiment")).getAsJsonObject(),
                "demo-sentiment.json", null);
        PpoConfig pc = cfg.ppo().withMaxIterations(1_000_000);
        batch = pc.sampling().batchSize();
        Path ckpt = cfg.policy().checkpoint();
        Llama policy = Llama.fromLlama2c(ckpt), reference = Llama.fromLlama2c(ckpt), rmTrunk = Llama.fromLlama2c(ckpt);
        LlamaTokenizer tok = LlamaTokenizer.load(cfg.policy().tokenizer(), policy.vocabSize());
        RewardModel rm = RewardModel.create(rmTrunk, tok, cfg.rewardModel().training().maxLength(), cfg.seed());
        List<int[]> prompts = new ArrayList<>();
        for (String s : TinyStories.firstWordsPrompts(TinyStories.load(), cfg.prompts().words()).subList(0, cfg.prompts().train()))
            prompts.add(tok.encode(s));
        return new PpoTrainer(pc, PpoModels.withValueHead(policy, reference), rm, tok, LlamaTokenizer.BOS, prompts, runDir);
    }

    /**
     * Runs one warm-up and then N iterations (default 5) and prints the mean seconds of each phase and tokens/s.
     * Under mpirun the run is data-parallel: rank 0 prints, and the time spent in collectives is shown apart
     * (compare {@code -Drlhf4j.cpu.threads=2} in one process with two one-thread ranks; see docs/scaling.md).
     */
    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        rlhf4j.tensor.dist.Collective world = rlhf4j.tensor.dist.Collectives.world();
        PpoIterationBench b = new PpoIterationBench();
        PpoTrainer t = b.demoTrainer(Files.createTempDirectory("ppo-bench"));
        t.step();                                                          // warm-up: JIT, first allocations
        t.takeCommunicationSeconds();
        double[] sum = new double[8];
        for (int i = 0; i < n; i++) {
            IterationStats s = t.step();
            IterationStats.Timings time = s.time();
            double[] x = {time.generation(), time.scoring(), time.policyForward(), time.reference(), time.learning(), time.total(),
                    s.completions().length() * b.batch, t.takeCommunicationSeconds()};
            for (int k = 0; k < x.length; k++) sum[k] += x[k];
        }
        if (!world.isRoot()) {
            world.close();
            return;
        }
        String[] names = {"generation", "scoring (reward model)", "rollout forward (log π_old, V)", "reference log-probs", "learning (PPO epochs)"};
        System.out.printf(Locale.ROOT, "PPO iteration, demo config (batch %d, up to %d new tokens), mean of %d iterations, %s:%n",
                b.batch, PipelineConfig.parse(JsonParser.parseString(Pipeline.demoConfigText("sentiment"))
                        .getAsJsonObject(), "demo", null).ppo().sampling().maxNewTokens(), n, world.describe());
        for (int k = 0; k < names.length; k++)
            System.out.printf(Locale.ROOT, "  %-32s %7.3f s  %5.1f%%%n", names[k], sum[k] / n, 100 * sum[k] / sum[5]);
        System.out.printf(Locale.ROOT, "  %-32s %7.3f s%n", "total", sum[5] / n);
        System.out.printf(Locale.ROOT, "  %-32s %7.3f s  %5.1f%% (inside the phases above)%n", "of which collectives (rank 0)",
                sum[7] / n, 100 * sum[7] / sum[5]);
        System.out.printf(Locale.ROOT, "  completion tokens per iteration %.1f; %.1f tokens/s over the whole iteration, %.1f tokens/s generation%n",
                sum[6] / n, sum[6] / sum[5], sum[6] / sum[0]);
        world.close();
    }
}

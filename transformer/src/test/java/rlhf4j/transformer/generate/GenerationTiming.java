package rlhf4j.transformer.generate;

import java.nio.file.Path;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.llama.Llama;

/**
 * Quick tok/s figures for stories260K (not a test; run its main): one stream decoding 256 tokens, and 64 streams
 * decoding 256 tokens each in one batch. Usage: GenerationTiming [streams...]; -Dreps=N repeats (the first runs
 * are JIT warm-up). On a shared machine pass -Drlhf4j.blas.threads=1: OpenBLAS's spinning worker threads are many
 * times slower than one thread when the cores are oversubscribed.
 */
public final class GenerationTiming {
    public static void main(String[] args) throws Exception {
        Path file = DataSets.file("stories260k/stories260K.bin");
        TransformerModel model = Llama.fromLlama2c(file);
        int[] streams = args.length == 0 ? new int[]{1, 64} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int b : streams) {
            int[][] prompts = new int[b][];
            for (int r = 0; r < b; r++) prompts[r] = new int[]{1};
            SamplingConfig cfg = new SamplingConfig(1.0, 0, 1.0, 256, -1);            // no stop: every row runs 256 steps
            Generator g = new Generator(model);
            int reps = Integer.getInteger("reps", 4);
            for (int rep = 0; rep < reps; rep++) {
                var bean = java.lang.management.ManagementFactory.getThreadMXBean();
                long c0 = bean.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                Generation out = g.generate(prompts, cfg, rep);
                double s = (System.nanoTime() - t0) / 1e9, cpu = (bean.getCurrentThreadCpuTime() - c0) / 1e9;
                long tokens = 0;
                for (int[] t : out.tokens()) tokens += t.length;
                System.out.printf("streams %3d  run %d: %6d tokens in %.3f s = %.0f tok/s (calling thread's CPU time %.3f s = %.0f tok/s)%n",
                        b, rep, tokens, s, tokens / s, cpu, tokens / cpu);
            }
        }
    }
}

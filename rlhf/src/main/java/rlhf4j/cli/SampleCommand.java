package rlhf4j.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.data.PromptSource;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.stage.OutputMode;
import rlhf4j.rlhf.stage.SampleStage;
import rlhf4j.rlhf.stage.StageContext;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Policy;

/** {@code rlhf4j sample}: the flags of {@link SampleStage}. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Sample K completions per prompt from a checkpoint into a feedback directory:",
                "prompts.jsonl ({\"id\",\"text\"}, what ppo --prompts reads) and completions.jsonl (text, token ids, sampling settings).",
                "Completion k of prompt p is seeded by (seed, p*K + k), so the output does not depend on --batch-size."})
public final class SampleCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "llama2.c .bin file, or a GPT-2 / Llama directory")
    Path checkpoint;

    @Option(names = "--tokenizer", description = "tokenizer file or directory (default: the checkpoint directory's, or the one tok*.bin beside a .bin)")
    Path tokenizer;

    @Option(names = "--prompts", required = true, description = "tinystories, davidson, a .jsonl file (\"text\" or \"prompt\" per line; "
            + "feedback prompts keep their ids), or a text file with one prompt a line (ids p1, p2, ...)")
    String prompts;

    @Option(names = "--prompt-words", defaultValue = "8", description = "words per prompt for tinystories and davidson (default: ${DEFAULT-VALUE})")
    int promptWords;

    @Option(names = "--max-prompts", defaultValue = "0", description = "use the first N prompts only; 0 = all (default: ${DEFAULT-VALUE})")
    int maxPrompts;

    @Option(names = "-k", defaultValue = "4", description = "completions per prompt (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--out", required = true, description = "output directory (prompts.jsonl and completions.jsonl are written in it)")
    Path out;

    @Option(names = "--overwrite", description = "replace existing prompts.jsonl / completions.jsonl in --out (default: refuse)")
    boolean overwrite;

    @Option(names = "--temperature", defaultValue = "1.0", description = "softmax temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus threshold in (0, 1] (default: ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens; 0 = all (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "longest completion (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--seed", defaultValue = "1", description = "base seed of the completions' random streams (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--batch-size", defaultValue = "16", description = "sequences generated together (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda[:N] (default: ${DEFAULT-VALUE})")
    String device;

    private final PrintStream err;

    public SampleCommand() { this(System.err); }

    SampleCommand(PrintStream err) { this.err = err; }

    @Override public Integer call() throws Exception {
        if (k < 1) throw new IllegalArgumentException("-k " + k + " must be >= 1");
        CliOutputs.requireDirectory(out, "--out");
        if (maxPrompts < 0) throw new IllegalArgumentException("--max-prompts " + maxPrompts + " must be >= 0");
        SampleStage.Config config = new SampleStage.Config(k, temperature, topK, topP, maxNewTokens, batchSize, seed);
        List<Prompt> all = new PromptSource(prompts, promptWords).prompts();
        if (all.isEmpty()) throw new IllegalArgumentException("--prompts " + prompts + ": no prompts");
        List<Prompt> used = maxPrompts > 0 && maxPrompts < all.size() ? all.subList(0, maxPrompts) : all;
        Device dev = Device.parse(device);
        Backends.forDevice(dev);
        Policy policy = Policy.load(checkpoint, tokenizer, dev);
        new SampleStage(config, new StageContext(err, dev, OutputMode.of(overwrite)))
                .run(SampleStage.Input.of(policy, checkpoint.toString(), used), out);
        return 0;
    }
}

package rlhf4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.generate.TextGeneration;

/**
 * Text generation from a checkpoint ({@link TextGeneration}, in the manner of llama2.c's {@code run}): the text alone
 * goes to stdout (the prompt, then what the model writes), statistics go to stderr.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a llama2.c .bin checkpoint or a Hugging Face GPT-2 / Llama directory.")
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, description = "llama2.c .bin file, or a directory with config.json + model.safetensors")
    Path checkpoint;

    @Option(names = "--tokenizer", description = "llama2.c tokenizer .bin; for GPT-2 the vocab.json (merges.txt beside it) "
            + "or its directory (default: the checkpoint directory)")
    Path tokenizer;

    @Option(names = "--prompt", defaultValue = "", description = "text to start from (default: none)")
    String prompt;

    @Option(names = "--temperature", defaultValue = "1.0", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.9", description = "nucleus sampling threshold, 1 = off (default: ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens, 0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--seed", description = "random seed (default: the current time)")
    Long seed;

    @Option(names = "--steps", defaultValue = "256", description = "positions to run, prompt included, as llama2.c's -n; "
            + "0 = the context length (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})")
    String device;

    private final OutputStream out;
    private final PrintStream err;

    public GenerateCommand() { this(System.out, System.err); }

    GenerateCommand(OutputStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs; bad input (files, sizes, options, devices) is a user error that {@link CliErrors} reports in one line. */
    @Override public Integer call() throws IOException {
        Device dev = Device.parse(device);
        Backends.forDevice(dev);                                   // a clear error when the device cannot run here
        if (steps < 0) throw new IllegalArgumentException("--steps " + steps + " must be >= 0");
        var sampling = new SamplingConfig(temperature, topK, topP, 1, -1);   // length and stop token come from the policy
        var config = new TextGeneration.Config(prompt, sampling, seed != null ? seed : System.currentTimeMillis(), steps);
        long t0 = System.nanoTime();
        Policy policy = Policy.load(checkpoint, tokenizer, dev);    // the tokenizer beside a .bin is found
        long t1 = System.nanoTime();
        TextGeneration.Result r;
        try {
            r = TextGeneration.run(policy, config, out);
        } catch (IllegalArgumentException e) {                      // the prompt does not fit: name the model it is for
            throw new IllegalArgumentException(checkpoint + ": " + e.getMessage(), e);
        }
        long t2 = System.nanoTime();
        err.printf(Locale.ROOT, "loaded %s in %.2f s; %d prompt + %d generated tokens in %.3f s%n",
                checkpoint, (t1 - t0) / 1e9, r.promptTokens(), r.generatedTokens(), (t2 - t1) / 1e9);
        if (r.generatedTokens() > 1) err.printf(Locale.ROOT, "achieved tok/s: %f%n", r.tokensPerSecond());
        return 0;
    }

    /** The command's stdout for given arguments (for tests). */
    static String run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = new picocli.CommandLine(new GenerateCommand(bytes, new PrintStream(OutputStream.nullOutputStream()))).execute(args);
        if (code != 0) throw new IllegalStateException("generate exited with " + code);
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}

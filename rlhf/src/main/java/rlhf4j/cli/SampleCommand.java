package rlhf4j.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.SamplingSettings;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.reward.TrunkFiles;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.tensor.Backends;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.tensor.CounterRng;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.generate.Generation;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * K completions per prompt from a policy, as completion records of the feedback schema (text, token ids and the
 * sampling settings), ready for labelling. Completion k of prompt p draws its random stream from
 * {@code CounterRng.bits(seed, p·K + k)} (recorded as its seed), so the output does not depend on the batch size.
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Sample K completions per prompt from a checkpoint and write them as feedback completion records.")
public final class SampleCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "llama2.c .bin file, or a GPT-2 / Llama directory")
    Path checkpoint;

    @Option(names = "--tokenizer", description = "tokenizer (default: the one in the checkpoint directory; required for a .bin)")
    Path tokenizer;

    @Option(names = "--prompts", required = true,
            description = "prompts: feedback prompts JSONL (*.jsonl), or plain text with one prompt a line (ids p1, p2, ... by line)")
    Path promptsFile;

    @Option(names = "-k", defaultValue = "4", description = "completions per prompt (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--out", required = true,
            description = "completions JSONL (*.jsonl; appended to), or a feedback directory (prompts.jsonl and completions.jsonl appended)")
    Path out;

    @Option(names = "--temperature", defaultValue = "1.0") double temperature;
    @Option(names = "--top-p", defaultValue = "1.0") double topP;
    @Option(names = "--top-k", defaultValue = "0") int topK;
    @Option(names = "--max-new-tokens", defaultValue = "64") int maxNewTokens;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--batch-size", defaultValue = "16", description = "sequences generated together (default: ${DEFAULT-VALUE})")
    int batchSize;
    @Option(names = "--device", defaultValue = "cpu") String device;

    @Spec CommandSpec spec;

    /** Prompts of a JSONL file, or of a text file with one per line (ids p1, p2, ... by line; blank lines skipped). */
    static List<Prompt> readPrompts(Path file) throws java.io.IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such prompts file");
        if (file.toString().endsWith(".jsonl")) return Jsonl.read(file, FeedbackJson.PROMPT);
        List<Prompt> prompts = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) if (!lines.get(i).isBlank()) prompts.add(new Prompt("p" + (i + 1), lines.get(i), Map.of()));
        return prompts;
    }

    @Override public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (k < 1) throw new IllegalArgumentException("-k " + k + " must be >= 1");
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size " + batchSize + " must be >= 1");
        List<Prompt> prompts = readPrompts(promptsFile);
        if (prompts.isEmpty()) throw new IllegalArgumentException(promptsFile + ": no prompts");
        Device dev = Device.parse(device);
        Backends.forDevice(dev);
        TransformerModel model = TrunkFiles.loadTrunk(checkpoint, dev);
        Tokenizer tok = TrunkFiles.loadTokenizer(checkpoint, tokenizer, model.vocabSize());
        // llama2.c's stories models end a story with BOS; GPT-2 style models with their end-of-text token
        int stop = tok instanceof LlamaTokenizer ? LlamaTokenizer.BOS : tok.eosId();
        SamplingConfig cfg = new SamplingConfig(temperature, topK, topP, maxNewTokens, stop);

        int rows = prompts.size() * k;
        int[][] promptIds = new int[rows][];
        long[] seeds = new long[rows];
        for (int p = 0; p < prompts.size(); p++) {
            int[] ids = tok.encode(prompts.get(p).text());
            if (ids.length == 0) ids = new int[]{Math.max(tok.eosId(), 0)};          // an empty prompt starts after end-of-text
            for (int j = 0; j < k; j++) {
                promptIds[p * k + j] = ids;
                seeds[p * k + j] = CounterRng.bits(seed, (long) p * k + j);
            }
        }
        boolean toDir = !out.toString().endsWith(".jsonl");
        Path completionsFile = toDir ? out.resolve(FeedbackData.COMPLETIONS_FILE) : out;
        if (toDir) {
            Files.createDirectories(out);
            JsonlWriter.appendAll(out.resolve(FeedbackData.PROMPTS_FILE), FeedbackJson.PROMPT, prompts);
        }
        Generator generator = new Generator(model);
        ProgressBar bar = ProgressBar.on(err, "sample", rows);
        long t0 = System.nanoTime();
        int tokens = 0;
        try (JsonlWriter<Completion> w = JsonlWriter.append(completionsFile, FeedbackJson.COMPLETION)) {
            for (int from = 0; from < rows; from += batchSize) {
                int to = Math.min(rows, from + batchSize);
                Generation g = generator.generate(java.util.Arrays.copyOfRange(promptIds, from, to), cfg,
                        java.util.Arrays.copyOfRange(seeds, from, to), null);
                for (int r = from; r < to; r++) {
                    int p = r / k, j = r % k;
                    int[] gen = g.tokens()[r - from];
                    tokens += gen.length;
                    SamplingSettings s = new SamplingSettings(checkpoint.toString(), temperature, topP, topK == 0 ? null : topK, seeds[r]);
                    w.write(new Completion(prompts.get(p).id() + "-s" + j, prompts.get(p).id(),
                            completionText(tok, promptIds[r], gen, stop), gen, s));
                }
                bar.update(to, "");
            }
        }
        bar.finish();
        double secs = (System.nanoTime() - t0) / 1e9;
        err.printf(Locale.ROOT, "%d completions (%d prompts x %d), %d tokens in %.1f s (%.1f tok/s) -> %s%n", rows,
                prompts.size(), k, tokens, secs, tokens / secs, completionsFile);
        return 0;
    }

    /**
     * The text the completion adds to its prompt: decode(prompt + completion) minus decode(prompt), which keeps
     * tokenizers that render a token differently at the start (sentencepiece's leading space) right; the stop token
     * is left out of the text (it stays in the token ids).
     */
    static String completionText(Tokenizer tok, int[] prompt, int[] completion, int stop) {
        int n = completion.length > 0 && completion[completion.length - 1] == stop ? completion.length - 1 : completion.length;
        int[] all = new int[prompt.length + n];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(completion, 0, all, prompt.length, n);
        String full = tok.decode(all), head = tok.decode(prompt);
        return full.startsWith(head) ? full.substring(head.length()) : tok.decode(java.util.Arrays.copyOf(completion, n));
    }
}

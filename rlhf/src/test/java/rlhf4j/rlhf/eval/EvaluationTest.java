package rlhf4j.rlhf.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.tokenizer.CharTokenizer;

class EvaluationTest {
    static final CharTokenizer TOK = new CharTokenizer("abcdefghijklmnop");
    static final LlamaConfig CONFIG = LlamaConfig.llama2c(16, 32, 1, 2, 2, 16, 32, true);
    static final List<int[]> PROMPTS = List.of(new int[]{0}, new int[]{0, 3}, new int[]{0, 4, 5}, new int[]{0, 9});
    static final RewardFunction COUNT_E = batch -> {
        float[] out = new float[batch.size()];
        for (int i = 0; i < out.length; i++) out[i] = batch.get(i).completion().chars().filter(c -> c == 'e').count();
        return out;
    };
    static final TextScorer LENGTH = String::length;

    @Test void theSameModelTwiceHasZeroKlAndAnEvenWinRate() {
        Llama ref = new Llama(CONFIG, 1), same = new Llama(CONFIG, 1);
        Evaluation.Result r = Evaluation.run(ref, same, TOK, -1, PROMPTS, COUNT_E, LENGTH, null, new Evaluation.Settings(6, 1.0, 5, 3));
        assertEquals(0.0, r.trained().klToReference().mean());
        assertEquals(0.5, r.winRate(), "identical samples tie everywhere");
        for (Evaluation.SampleRow s : r.samples()) assertEquals(s.reference(), s.trained());
        assertNull(r.trained().toxicity());
        assertEquals(6.0, r.trained().gold().mean());                 // no stop token: every completion has 6 letters
    }

    @Test void figuresMatchTheirDefinitions() {
        Llama ref = new Llama(CONFIG, 1), other = new Llama(CONFIG, 2);
        Evaluation.Result r = Evaluation.run(ref, other, TOK, 1, PROMPTS, COUNT_E, LENGTH, LENGTH, new Evaluation.Settings(8, 1.0, 5, 3));
        double wins = 0, sum = 0;
        for (Evaluation.SampleRow s : r.samples()) {
            wins += s.trainedGold() > s.referenceGold() ? 1 : s.trainedGold().equals(s.referenceGold()) ? 0.5 : 0;
            sum += s.trainedReward();
            assertEquals(s.trained().chars().filter(c -> c == 'e').count(), s.trainedReward());
        }
        assertEquals(wins / 4, r.winRate());
        assertEquals(sum / 4, r.trained().reward().mean(), 1e-9);
        assertNotEquals(0.0, r.trained().klToReference().mean());
        assertEquals(LENGTH.name(), r.winRateBy(), "the gold scorer decides the win rate");
    }
}

package rlhf4j.transformer.train;

import java.util.Arrays;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * One tokenised supervised fine-tuning pair: the model reads prompt + response and is trained to predict the
 * response tokens only (which end with EOS, so it learns where to stop).
 *
 * @param prompt   prompt token ids (with the tokenizer's BOS first where its convention prepends one)
 * @param response response token ids, EOS last
 */
public record SftExample(int[] prompt, int[] response) {

    public SftExample {
        if (prompt.length == 0) throw new IllegalArgumentException("an SFT example needs at least one prompt token (a BOS will do)");
        if (response.length == 0) throw new IllegalArgumentException("an SFT example needs at least one response token");
    }

    public int length() { return prompt.length + response.length; }

    /**
     * Tokenises a pair: Llama (sentencepiece) BOS + prompt, then the response (its own dummy-prefix space, as
     * llama2.c encodes any text) + EOS; GPT-2 BPE: prompt then response + {@code <|endoftext|>}, with an
     * {@code <|endoftext|>} as the prompt if the prompt is empty. A tokenizer without EOS cannot be used.
     */
    public static SftExample encode(Tokenizer tok, String prompt, String response) {
        int eos = tok.eosId();
        if (eos < 0) throw new IllegalArgumentException("SFT needs a tokenizer with an end-of-sequence token; "
                + tok.getClass().getSimpleName() + " has none");
        int[] p, r;
        if (tok instanceof LlamaTokenizer lt) {
            p = lt.encode(prompt, true, false);
            r = lt.encode(response, false, true);
        } else {
            p = tok instanceof BpeTokenizer bt ? bt.encode(prompt, false) : tok.encode(prompt);
            if (p.length == 0) p = new int[]{tok.bosId() >= 0 ? tok.bosId() : eos};
            int[] body = tok instanceof BpeTokenizer bt ? bt.encode(response, false) : tok.encode(response);
            r = Arrays.copyOf(body, body.length + 1);
            r[body.length] = eos;
        }
        return new SftExample(p, r);
    }
}

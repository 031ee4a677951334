package rlhf4j.transformer.generate;

import java.io.IOException;
import java.io.OutputStream;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;

/**
 * Streams generated tokens as text, token by token, the way each tokenizer family's reference prints them: llama2.c's
 * {@code run.c} for a llama2.c tokenizer (BOS and the encoded prompt are fed, each piece printed with its
 * {@code safe_printf}), byte-level decoding for GPT-2's BPE.
 */
public interface TokenPrinter {

    /** The prompt as the model is fed it (BOS first for llama2.c; {@code <|endoftext|>} alone for an empty GPT-2 prompt). */
    int[] encode(String text);

    /** Prints {@code token}, which follows {@code prev}, and returns it. */
    int print(int prev, int token, OutputStream out) throws IOException;

    /** The token that ends generation. */
    int stopToken();

    /** Prints the prompt's text and returns its last token. */
    default int printPrompt(int[] ids, OutputStream out) throws IOException {
        int prev = ids[0];                                       // BOS (llama2.c) or <|endoftext|> is not text
        for (int i = 1; i < ids.length; i++) prev = print(prev, ids[i], out);
        return prev;
    }

    /** The printer for this policy's tokenizer family. */
    static TokenPrinter of(Policy policy) {
        return switch (policy.tokenizer()) {
            case LlamaTokenizer tok -> llama(tok, policy.stopToken());
            case BpeTokenizer tok -> gpt2(tok);
            default -> throw new IllegalArgumentException("text is printed for llama2.c and GPT-2 BPE tokenizers, not "
                    + policy.tokenizer().getClass().getSimpleName());
        };
    }

    /** As run.c prints: generation ends at {@code stop} (BOS, id 1, in a llama2.c .bin). */
    static TokenPrinter llama(LlamaTokenizer tok, int stop) {
        return new TokenPrinter() {
            @Override public int[] encode(String text) { return tok.encode(text, true, false); }

            @Override public int print(int prev, int token, OutputStream out) throws IOException {
                // run.c prints EOS as its stored piece; the tokenizer's decode renders it as nothing
                byte[] piece = token == LlamaTokenizer.EOS ? tok.piece(token) : tok.decodePiece(prev, token);
                // run.c's safe_printf: a lone byte that is neither printable nor white space is dropped
                if (piece.length == 1 && !isPrintOrSpace(piece[0] & 0xFF)) return token;
                out.write(piece);
                return token;
            }

            @Override public int stopToken() { return stop; }
        };
    }

    /** Byte-level GPT-2 text; generation ends at {@code <|endoftext|>}. */
    static TokenPrinter gpt2(BpeTokenizer tok) {
        int eot = tok.eosId();
        return new TokenPrinter() {
            @Override public int[] encode(String text) {
                int[] ids = tok.encode(text, false);
                if (ids.length > 0) return ids;
                return new int[]{eot};                                  // GPT-2 starts unconditional text after <|endoftext|>
            }

            @Override public int printPrompt(int[] ids, OutputStream out) throws IOException {
                if (ids.length == 1 && ids[0] == eot) return eot;
                out.write(tok.decodeBytes(ids));
                return ids[ids.length - 1];
            }

            @Override public int print(int prev, int token, OutputStream out) throws IOException {
                out.write(tok.decodeBytes(new int[]{token}));
                return token;
            }

            @Override public int stopToken() { return eot; }
        };
    }

    /** run.c's {@code isprint || isspace} in the C locale. */
    static boolean isPrintOrSpace(int b) { return (b >= 0x20 && b <= 0x7E) || (b >= 0x09 && b <= 0x0D); }
}

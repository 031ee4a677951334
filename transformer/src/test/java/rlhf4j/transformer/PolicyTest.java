package rlhf4j.transformer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.io.RopeLayout;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.BpeTrainer;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;

class PolicyTest {
    static final Path STORIES = DataSets.file("stories260k/stories260K.bin");
    static final List<String> PROMPTS = List.of("Once upon a time", "The cat", "Lily went to the park and");

    /** A small random GPT-2 with a BPE trained on the first TinyStories text. */
    static Policy smallGpt2() throws Exception {
        String corpus = Files.readString(DataSets.file("tinystories/tiny_stories.txt"), StandardCharsets.UTF_8).substring(0, 20_000);
        BpeTokenizer tok = BpeTrainer.train(corpus, 300, BpeTrainer.DEFAULT_SPECIALS);
        Gpt2 model = new Gpt2(new GptConfig(2, 2, 32, 64, tok.vocabSize(), 0.0), 3);
        return new Policy(model, tok, tok.eosId());
    }

    static int[][] greedy(Policy p) {
        int[][] prompts = p.encodePrompts(PROMPTS, 24).toArray(int[][]::new);
        return new Generator(p.model()).generate(prompts, SamplingConfig.greedy(24, p.stopToken()), 1).tokens();
    }

    static void assertBitEqual(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (var e : expected.entrySet()) {
            float[] a = e.getValue().toFloatArray(), b = actual.get(e.getKey()).toFloatArray();
            int[] ab = new int[a.length], bb = new int[b.length];
            for (int i = 0; i < a.length; i++) ab[i] = Float.floatToRawIntBits(a[i]);
            for (int i = 0; i < b.length; i++) bb[i] = Float.floatToRawIntBits(b[i]);
            assertArrayEquals(ab, bb, e.getKey());
        }
    }

    @Test void llamaBinFindsItsTokenizerAndStopsAtBos() throws Exception {
        Policy p = Policy.load(STORIES, null, Device.CPU);
        assertInstanceOf(Llama.class, p.model());
        assertEquals(512, p.tokenizer().vocabSize());
        assertEquals(LlamaTokenizer.BOS, p.stopToken());
        assertEquals(DataSets.file("stories260k/tok512.bin"), Policy.tokenizerBeside(STORIES));
        // the tokenizer found beside is the one named explicitly
        Policy named = Policy.load(STORIES, DataSets.file("stories260k/tok512.bin"), Device.CPU);
        assertArrayEquals(named.tokenizer().encode("Once upon a time"), p.tokenizer().encode("Once upon a time"));
    }

    @Test void llamaRoundTripKeepsWeightsAndGeneration(@TempDir Path dir) throws Exception {
        Policy original = Policy.load(STORIES, null, Device.CPU);
        original.save(dir.resolve("a"));
        Policy back = Policy.load(dir.resolve("a"), null, Device.CPU);
        assertInstanceOf(Llama.class, back.model());
        assertEquals(LlamaTokenizer.BOS, back.stopToken(), "the stop token travels in generation_config.json");
        // Hugging Face stores q/k rows half-split: permuted back, every weight is bit for bit the original
        var restored = ((Llama) back.model()).checkpoint().withRopeLayout(RopeLayout.INTERLEAVED).tensors();
        assertBitEqual(((Llama) original.model()).checkpoint().tensors(), restored);
        int[][] expected = greedy(original);
        assertTrue(Arrays.stream(expected).allMatch(t -> t.length > 3), "generation too short to compare");
        assertArrayEquals(expected, greedy(back));
        assertEquals(original.completionText(original.encodePrompt(PROMPTS.get(0), 24), expected[0]),
                back.completionText(back.encodePrompt(PROMPTS.get(0), 24), expected[0]));
        // a second round trip is the same layout: the state dicts are identical
        back.save(dir.resolve("b"));
        Policy again = Policy.load(dir.resolve("b"), null, Device.CPU);
        assertBitEqual(back.model().stateDict(), again.model().stateDict());
        assertArrayEquals(greedy(back), greedy(again));
    }

    @Test void gpt2RoundTripKeepsWeightsAndGeneration(@TempDir Path dir) throws Exception {
        Policy original = smallGpt2();
        original.save(dir);
        assertEquals(Models.Family.GPT2, Models.family(dir.resolve("config.json")));
        Policy back = Policy.load(dir, null, Device.CPU);
        assertInstanceOf(Gpt2.class, back.model());
        assertEquals(original.tokenizer().eosId(), back.stopToken());
        assertBitEqual(original.model().stateDict(), back.model().stateDict());
        assertArrayEquals(original.tokenizer().encode("Once upon a time, a dog"), back.tokenizer().encode("Once upon a time, a dog"));
        assertArrayEquals(greedy(original), greedy(back));
    }

    @Test void stopTokenRules(@TempDir Path dir) throws Exception {
        // a Hugging Face Llama stops at EOS, a GPT-2 at end-of-text, when generation_config.json does not say otherwise
        Policy.load(STORIES, null, Device.CPU).save(dir.resolve("llama"));
        Files.delete(dir.resolve("llama").resolve(Policy.GENERATION_CONFIG));
        assertEquals(LlamaTokenizer.EOS, Policy.load(dir.resolve("llama"), null, Device.CPU).stopToken());
        Policy gpt = smallGpt2();
        gpt.save(dir.resolve("gpt"));
        Files.delete(dir.resolve("gpt").resolve(Policy.GENERATION_CONFIG));
        int endOfText = ((BpeTokenizer) gpt.tokenizer()).specialId(BpeTokenizer.END_OF_TEXT);
        assertEquals(endOfText, Policy.load(dir.resolve("gpt"), null, Device.CPU).stopToken());
        // generation_config.json: a list takes its first id, null never stops, and -1 survives a round trip
        Path gen = dir.resolve("gpt").resolve(Policy.GENERATION_CONFIG);
        Files.writeString(gen, "{\"eos_token_id\": [7, 9]}");
        assertEquals(7, Policy.load(dir.resolve("gpt"), null, Device.CPU).stopToken());
        gpt.withStopToken(-1).save(dir.resolve("never"));
        assertEquals(-1, Policy.load(dir.resolve("never"), null, Device.CPU).stopToken());
        Files.writeString(gen, "{\"eos_token_id\": \"end\"}");
        var e = assertThrows(FileFormatException.class, () -> Policy.load(dir.resolve("gpt"), null, Device.CPU));
        assertTrue(e.getMessage().contains(Policy.GENERATION_CONFIG) && e.getMessage().contains("eos_token_id"), e.getMessage());
    }

    @Test void completionTextDropsTheStopTokenAndKeepsTheLeadingSpace() throws Exception {
        Policy p = Policy.load(STORIES, null, Device.CPU);
        int[] prompt = p.encodePrompt("Once upon a time", 8);
        assertEquals(LlamaTokenizer.BOS, prompt[0]);
        int[] rest = Arrays.copyOfRange(p.tokenizer().encode("Once upon a time there was"), prompt.length, p.tokenizer().encode("Once upon a time there was").length);
        assertEquals(" there was", p.completionText(prompt, rest));
        int[] stopped = Arrays.copyOf(rest, rest.length + 1);
        stopped[rest.length] = LlamaTokenizer.BOS;
        assertEquals(" there was", p.completionText(prompt, stopped));
        // with no stop token the final BOS is an ordinary token (it decodes to nothing, but is not cut)
        assertEquals(p.tokenizer().decode(concat(prompt, stopped)).substring(p.tokenizer().decode(prompt).length()),
                p.withStopToken(-1).completionText(prompt, stopped));
    }

    @Test void encodePromptCutsToFitTheContext() throws Exception {
        Policy p = smallGpt2();                                          // context 64
        String longText = "the dog and the cat ".repeat(40);
        assertEquals(64 - 10, p.encodePrompt(longText, 10).length);
        assertArrayEquals(Arrays.copyOf(p.tokenizer().encode(longText), 54), p.encodePrompt(longText, 10));
        assertArrayEquals(new int[]{p.tokenizer().eosId()}, p.encodePrompt("", 10));
        var e = assertThrows(IllegalArgumentException.class, () -> p.encodePrompt("x", 64));
        assertTrue(e.getMessage().contains("64 new tokens") && e.getMessage().contains("context of 64"), e.getMessage());
    }

    @Test void tokenizerBesideABinMustBeUnambiguous(@TempDir Path dir) throws Exception {
        Path bin = Files.copy(STORIES, dir.resolve("model.bin"));
        var e = assertThrows(IllegalArgumentException.class, () -> Policy.load(bin, null, Device.CPU));
        assertTrue(e.getMessage().contains("model.bin") && e.getMessage().contains("no tok*.bin") && e.getMessage().contains("--tokenizer"),
                e.getMessage());
        Files.copy(DataSets.file("stories260k/tok512.bin"), dir.resolve("tokenizer.bin"));
        assertEquals(512, Policy.load(bin, null, Device.CPU).tokenizer().vocabSize());
        Files.copy(DataSets.file("stories260k/tok512.bin"), dir.resolve("tok512.bin"));
        e = assertThrows(IllegalArgumentException.class, () -> Policy.load(bin, null, Device.CPU));
        assertTrue(e.getMessage().contains("[tok512.bin, tokenizer.bin]"), e.getMessage());
        assertEquals(512, Policy.load(bin, dir.resolve("tok512.bin"), Device.CPU).tokenizer().vocabSize());
    }

    @Test void strictWeightCheckNamesFileAndTensorForBothFamilies(@TempDir Path dir) throws Exception {
        Policy.load(STORIES, null, Device.CPU).save(dir.resolve("llama"));
        smallGpt2().save(dir.resolve("gpt"));
        for (String family : List.of("llama", "gpt")) {
            Path weights = dir.resolve(family).resolve("model.safetensors");
            Map<String, Tensor> good = new LinkedHashMap<>(Safetensors.read(weights).tensors());
            String name = good.keySet().stream().filter(k -> k.contains("layers.1.") || k.contains("h.1.")).findFirst().orElseThrow();

            Map<String, Tensor> missing = new LinkedHashMap<>(good);
            missing.remove(name);
            assertRejected(dir.resolve(family), weights, missing, "missing tensor " + name);

            Map<String, Tensor> extra = new LinkedHashMap<>(good);
            extra.put("extra.weight", Tensor.zeros(2, 2));
            assertRejected(dir.resolve(family), weights, extra, "unexpected tensor extra.weight");

            Map<String, Tensor> misShaped = new LinkedHashMap<>(good);
            misShaped.put(name, Tensor.zeros(3, 5));
            assertRejected(dir.resolve(family), weights, misShaped, "tensor " + name + " has shape [3, 5]");

            Map<String, Tensor> ints = new LinkedHashMap<>(good);
            ints.put(name, Tensor.zeros(DType.I32, Device.CPU, good.get(name).shape()));
            assertRejected(dir.resolve(family), weights, ints, "tensor " + name + " is stored as I32");
        }
    }

    private static void assertRejected(Path checkpoint, Path weights, Map<String, Tensor> state, String expected) throws Exception {
        Safetensors.write(weights, state, Map.of("format", "pt"));
        var e = assertThrows(FileFormatException.class, () -> Models.load(checkpoint));
        assertTrue(e.getMessage().contains(weights.toString()) && e.getMessage().contains(expected), e.getMessage());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

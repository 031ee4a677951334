package rlhf4j.transformer.llama;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Grad;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.generate.Generation;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.io.Llama2cCheckpoints;
import rlhf4j.transformer.io.LlamaCheckpoint;
import rlhf4j.transformer.io.NaiveLlamaForward;
import rlhf4j.transformer.io.RopeLayout;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;

class LlamaTest {
    static final String STORY_START =
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";
    static Path stories;
    static LlamaCheckpoint ckpt;
    static Llama model;

    @BeforeAll static void load() throws Exception {
        stories = DataSets.file("stories260k/stories260K.bin");
        ckpt = Llama2cCheckpoints.read(stories);
        model = Llama.fromLlama2c(stories);
    }

    @Test void fullForwardLogitsEqualTheScalarReference() {
        int[] seq = {1, 403, 407, 261, 378, 15, 395, 365, 261, 437, 407};
        NaiveLlamaForward naive = new NaiveLlamaForward(ckpt);
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            float[] logits = model.forward(Tensor.ofInts(seq, 1, seq.length), null).value().toFloatArray();   // (1, T, V)
            int v = model.vocabSize();
            for (int t = 0; t < seq.length; t++) {
                float[] ref = naive.forward(seq[t], t);
                for (int i = 0; i < v; i++) assertEquals(ref[i], logits[t * v + i], 1e-4, "position " + t + " token " + i);
            }
        }
    }

    @Test void greedyGenerationMatchesTheScalarReferenceFor200Tokens() throws Exception {
        List<Integer> expected = new NaiveLlamaForward(ckpt).greedy(200);
        Generation g = new Generator(model).generate(new int[][]{{LlamaTokenizer.BOS}}, SamplingConfig.greedy(200, LlamaTokenizer.BOS), 0);
        List<Integer> got = new ArrayList<>();
        for (int t : g.tokens()[0]) if (t != LlamaTokenizer.BOS) got.add(t);
        assertEquals(expected, got);
        LlamaTokenizer tok = LlamaTokenizer.load(DataSets.file("stories260k/tok512.bin"), 512);
        int[] all = new int[got.size() + 1];
        all[0] = LlamaTokenizer.BOS;
        for (int i = 0; i < got.size(); i++) all[i + 1] = got.get(i);
        String text = new String(tok.decodeBytes(all), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.startsWith(STORY_START), text);
    }

    @Test void huggingFaceDirectoryLoads(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        LlamaCheckpoint hf = ckpt.withRopeLayout(RopeLayout.HALF_SPLIT);
        var c = hf.config();
        java.nio.file.Files.writeString(dir.resolve("config.json"), String.format(java.util.Locale.ROOT, """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d, "intermediate_size": %d,
                 "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d, "vocab_size": %d,
                 "max_position_embeddings": %d, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": true}
                """, c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.vocabSize(), c.seqLen()));
        java.util.Map<String, Tensor> tensors = new java.util.LinkedHashMap<>(hf.tensors());
        tensors.remove(LlamaCheckpoint.LM_HEAD);                              // tied: HF files leave it out
        rlhf4j.tensor.io.Safetensors.write(dir.resolve("model.safetensors"), tensors, java.util.Map.of("format", "pt"));
        var loaded = rlhf4j.transformer.Models.load(dir);
        assertInstanceOf(Llama.class, loaded);
        int[] seq = {1, 403, 407, 261, 378, 15};
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            float[] a = model.forward(Tensor.ofInts(seq, 1, seq.length), null).value().toFloatArray();
            float[] b = loaded.forward(Tensor.ofInts(seq, 1, seq.length), null).value().toFloatArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4);
        }
        // a tensor of the wrong shape is named with the file
        tensors.put(LlamaCheckpoint.layer(1, LlamaCheckpoint.UP), Tensor.zeros(c.hiddenDim() + 1, c.dim()));
        rlhf4j.tensor.io.Safetensors.write(dir.resolve("model.safetensors"), tensors, java.util.Map.of("format", "pt"));
        var e = assertThrows(rlhf4j.transformer.io.FileFormatException.class, () -> rlhf4j.transformer.Models.load(dir));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("model.layers.1.mlp.up_proj.weight")
                && e.getMessage().contains("[" + (c.hiddenDim() + 1) + ", " + c.dim() + "]"), e.getMessage());
    }

    @Test void savesHuggingFaceAndLlama2cFilesThatLoadBack(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        model.save(dir.resolve("hf"));
        assertTrue(java.nio.file.Files.readString(dir.resolve("hf/config.json")).contains("\"num_key_value_heads\": 4"));
        model.saveLlama2c(dir.resolve("m.bin"));
        LlamaCheckpoint back = Llama2cCheckpoints.read(dir.resolve("m.bin"));          // same weights (freq_cis may differ in ulps)
        assertEquals(ckpt.config(), back.config());
        for (String name : ckpt.tensors().keySet())
            assertArrayEquals(ckpt.get(name).toFloatArray(), back.get(name).toFloatArray(), 0f, name);
        var hf = rlhf4j.transformer.Models.load(dir.resolve("hf"));
        assertEquals(RopeLayout.HALF_SPLIT, ((Llama) hf).config.ropeLayout());
        int[] seq = {1, 403, 407, 261, 378, 15};
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            float[] a = model.forward(Tensor.ofInts(seq, 1, seq.length), null).value().toFloatArray();
            float[] b = hf.forward(Tensor.ofInts(seq, 1, seq.length), null).value().toFloatArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4);
        }
    }

    @Test void halfSplitCheckpointGivesTheSameLogits() throws Exception {
        Llama hf = Llama.from(ckpt.withRopeLayout(RopeLayout.HALF_SPLIT), stories, rlhf4j.tensor.Device.CPU);
        int[] seq = {1, 403, 407, 261, 378, 15};
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            float[] a = model.forward(Tensor.ofInts(seq, 1, seq.length), null).value().toFloatArray();
            float[] b = hf.forward(Tensor.ofInts(seq, 1, seq.length), null).value().toFloatArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4);
        }
    }
}

package rlhf4j.transformer.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.cpu.CpuAllocator;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;

class Llama2cCheckpointsTest {
    private static final String STORY_START =
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";

    private static Path stories() { return DataSets.file("stories260k/stories260K.bin"); }

    @Test void readsStories260kConfigAndShapes() throws Exception {
        LlamaCheckpoint ck = Llama2cCheckpoints.read(stories());
        LlamaConfig c = ck.config();
        assertEquals(LlamaConfig.llama2c(64, 172, 5, 8, 4, 512, 512, true), c);
        assertEquals(8, c.headSize());
        assertEquals(32, c.kvDim());
        assertEquals(RopeLayout.INTERLEAVED, c.ropeLayout());
        assertArrayEquals(new int[]{512, 64}, ck.get("model.embed_tokens.weight").shape());
        assertArrayEquals(new int[]{64}, ck.get("model.norm.weight").shape());
        assertSame(ck.get("model.embed_tokens.weight"), ck.get("lm_head.weight"));
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(new int[]{64}, ck.get("model.layers." + i + ".input_layernorm.weight").shape());
            assertArrayEquals(new int[]{64}, ck.get("model.layers." + i + ".post_attention_layernorm.weight").shape());
            assertArrayEquals(new int[]{64, 64}, ck.get("model.layers." + i + ".self_attn.q_proj.weight").shape());
            assertArrayEquals(new int[]{32, 64}, ck.get("model.layers." + i + ".self_attn.k_proj.weight").shape());
            assertArrayEquals(new int[]{32, 64}, ck.get("model.layers." + i + ".self_attn.v_proj.weight").shape());
            assertArrayEquals(new int[]{64, 64}, ck.get("model.layers." + i + ".self_attn.o_proj.weight").shape());
            assertArrayEquals(new int[]{172, 64}, ck.get("model.layers." + i + ".mlp.gate_proj.weight").shape());
            assertArrayEquals(new int[]{172, 64}, ck.get("model.layers." + i + ".mlp.up_proj.weight").shape());
            assertArrayEquals(new int[]{64, 172}, ck.get("model.layers." + i + ".mlp.down_proj.weight").shape());
        }
        assertEquals(2 + 9 * 5 + 1, ck.tensors().size());
        // header + every distinct tensor + the two skipped freq_cis tables = the whole file
        long floats = 0;
        for (Tensor t : distinct(ck)) floats += t.numel();
        floats += 2L * 512 * 8 / 2;
        assertEquals(Files.size(stories()), 7 * 4 + 4 * floats);
    }

    private static List<Tensor> distinct(LlamaCheckpoint ck) {
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        ck.tensors().values().forEach(t -> seen.put(t, true));
        return List.copyOf(seen.keySet());
    }

    @Test void tensorsSitWhereTheLegacyLayoutSays() throws Exception {
        LlamaCheckpoint ck = Llama2cCheckpoints.read(stories());
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(stories())).order(ByteOrder.LITTLE_ENDIAN);
        int freqStart = 7 + 260032;                 // in floats: header, then 260032 weights up to rms_final's end
        // the skipped region holds the rotary tables llama2.c exported: cos, then sin, of pos · 10000^(−2i/8)
        for (int pos = 0; pos < 512; pos += 37)
            for (int i = 0; i < 4; i++) {
                double angle = pos / Math.pow(10000, 2.0 * i / 8);
                assertEquals(Math.cos(angle), raw.getFloat(4 * (freqStart + pos * 4 + i)), 1e-3);
                assertEquals(Math.sin(angle), raw.getFloat(4 * (freqStart + 2048 + pos * 4 + i)), 1e-3);
            }
        float[] finalNorm = ck.get("model.norm.weight").toFloatArray();   // the 64 floats right before them
        for (int i = 0; i < 64; i++) assertEquals(raw.getFloat(4 * (freqStart - 64 + i)), finalNorm[i]);
        assertEquals(raw.getFloat(4 * 7 + 4 * 5), ck.get("model.embed_tokens.weight").get(0, 5));
        assertEquals(raw.getFloat(4 * (7 + 512 * 64 + 64)), ck.get("model.layers.1.input_layernorm.weight").get(0));
    }

    @Test void greedyDecodingWithTheseTensorsTellsTheKnownStory() throws Exception {
        // The weights only produce this text if every matrix is [out, in], the names are right and q/k use the
        // interleaved rotary layout the config records.
        LlamaCheckpoint ck = Llama2cCheckpoints.read(stories());
        LlamaTokenizer tok = LlamaTokenizer.load(DataSets.file("stories260k/tok512.bin"), 512);
        String text = decodeAfterBos(tok, new NaiveLlamaForward(ck).greedy(40));
        assertTrue(text.startsWith(STORY_START), text);
        // the same model with q/k rows permuted to Hugging Face's half-split layout, run with half-split rotary
        LlamaCheckpoint hf = ck.withRopeLayout(RopeLayout.HALF_SPLIT);
        assertEquals(RopeLayout.HALF_SPLIT, hf.config().ropeLayout());
        assertEquals(text, decodeAfterBos(tok, new NaiveLlamaForward(hf).greedy(40)));
        // and interleaved rotary on half-split rows is a different (wrong) model
        LlamaCheckpoint mislabelled = new LlamaCheckpoint(ck.config(), hf.tensors());
        assertNotEquals(text, decodeAfterBos(tok, new NaiveLlamaForward(mislabelled).greedy(40)));
        assertSame(ck, ck.withRopeLayout(RopeLayout.INTERLEAVED));
        assertArrayEquals(ck.get(LlamaCheckpoint.layer(2, LlamaCheckpoint.K)).toFloatArray(),
                hf.withRopeLayout(RopeLayout.INTERLEAVED).get(LlamaCheckpoint.layer(2, LlamaCheckpoint.K)).toFloatArray());
    }

    private static String decodeAfterBos(LlamaTokenizer tok, List<Integer> ids) {
        int[] all = new int[ids.size() + 1];
        all[0] = 1;
        for (int i = 0; i < ids.size(); i++) all[i + 1] = ids.get(i);
        return tok.decode(all);
    }

    private static void assertSameTensors(LlamaCheckpoint a, LlamaCheckpoint b) {
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String name : a.tensors().keySet()) {
            assertArrayEquals(a.get(name).shape(), b.get(name).shape(), name);
            assertArrayEquals(a.get(name).toFloatArray(), b.get(name).toFloatArray(), name);
        }
    }

    @Test void version1RoundTrip(@TempDir Path dir) throws Exception {
        LlamaCheckpoint legacy = Llama2cCheckpoints.read(stories());
        Path v1 = dir.resolve("v1.bin");
        Llama2cCheckpoints.writeV1(v1, legacy);
        byte[] bytes = Files.readAllBytes(v1);
        assertEquals(256 + 4L * 260032, bytes.length);                // no freq_cis in version 1
        assertArrayEquals(new byte[]{'2', '4', 'k', 'a', 1, 0, 0, 0}, Arrays.copyOf(bytes, 8));   // magic, version
        assertEquals(1, bytes[8 + 28]);                                // shared_classifier
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        // version 1 starts with the norms: layer 0's attention norm is the first float after the header
        assertEquals(legacy.get("model.layers.0.input_layernorm.weight").get(0), bb.getFloat(256));
        LlamaCheckpoint back = Llama2cCheckpoints.read(v1);
        assertEquals(legacy.config(), back.config());
        assertSameTensors(legacy, back);
        assertSame(back.get("model.embed_tokens.weight"), back.get("lm_head.weight"));
    }

    @Test void legacyWriteReproducesTheFileAndHandlesUnsharedClassifier(@TempDir Path dir) throws Exception {
        LlamaCheckpoint ck = Llama2cCheckpoints.read(stories());
        Path again = dir.resolve("again.bin");
        Llama2cCheckpoints.writeLegacy(again, ck);
        byte[] original = Files.readAllBytes(stories()), written = Files.readAllBytes(again);
        assertEquals(original.length, written.length);
        int freqStartByte = 4 * (7 + 260032);
        assertArrayEquals(Arrays.copyOf(original, freqStartByte), Arrays.copyOf(written, freqStartByte));
        // unshared classifier: negative vocab_size in the header, lm_head stored after the freq tables
        Map<String, Tensor> tensors = new LinkedHashMap<>(ck.tensors());
        tensors.put(LlamaCheckpoint.LM_HEAD, ck.get(LlamaCheckpoint.EMBED).mul(2));
        LlamaConfig c = ck.config();
        LlamaCheckpoint unshared = new LlamaCheckpoint(LlamaConfig.llama2c(c.dim(), c.hiddenDim(), c.nLayers(),
                c.nHeads(), c.nKvHeads(), c.vocabSize(), c.seqLen(), false), tensors);
        Path f = dir.resolve("unshared.bin");
        Llama2cCheckpoints.writeLegacy(f, unshared);
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(-512, header.getInt(20));
        assertEquals(original.length + 4L * 512 * 64, Files.size(f));
        LlamaCheckpoint back = Llama2cCheckpoints.read(f);
        assertFalse(back.config().sharedClassifier());
        assertNotSame(back.get(LlamaCheckpoint.EMBED), back.get(LlamaCheckpoint.LM_HEAD));
        assertSameTensors(unshared, back);
        Path v1 = dir.resolve("unshared-v1.bin");
        Llama2cCheckpoints.writeV1(v1, unshared);
        assertEquals(0, Files.readAllBytes(v1)[36]);
        assertSameTensors(unshared, Llama2cCheckpoints.read(v1));
    }

    @Test void badFilesAreReportedWithFileAndMismatch(@TempDir Path dir) throws Exception {
        byte[] original = Files.readAllBytes(stories());
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(original, original.length - 100));
        var e = assertThrows(FileFormatException.class, () -> Llama2cCheckpoints.read(cut));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("truncated")
                && e.getMessage().contains("expected 1056540 bytes") && e.getMessage().contains("has 1056440 bytes"),
                e.getMessage());

        Path tiny = dir.resolve("tiny.bin");
        Files.write(tiny, new byte[10]);
        e = assertThrows(FileFormatException.class, () -> Llama2cCheckpoints.read(tiny));
        assertTrue(e.getMessage().contains("has 10 bytes"), e.getMessage());

        Path badHeads = dir.resolve("heads.bin");
        byte[] b = original.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 7);    // n_heads 7 does not divide dim 64
        Files.write(badHeads, b);
        e = assertThrows(FileFormatException.class, () -> Llama2cCheckpoints.read(badHeads));
        assertTrue(e.getMessage().contains("heads.bin") && e.getMessage().contains("n_heads 7"), e.getMessage());

        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 8).putInt(0, -64);
        Files.write(badHeads, b);
        e = assertThrows(FileFormatException.class, () -> Llama2cCheckpoints.read(badHeads));
        assertTrue(e.getMessage().contains("dim = -64"), e.getMessage());

        Path v1 = dir.resolve("v1.bin");
        Llama2cCheckpoints.writeV1(v1, Llama2cCheckpoints.read(stories()));
        byte[] v = Files.readAllBytes(v1);
        ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 2);
        Files.write(v1, v);
        e = assertThrows(FileFormatException.class, () -> Llama2cCheckpoints.read(v1));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
        ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1).put(36, (byte) 7);
        Files.write(v1, v);
        e = assertThrows(FileFormatException.class, () -> Llama2cCheckpoints.read(v1));
        assertTrue(e.getMessage().contains("shared_classifier flag is 7"), e.getMessage());
        Files.write(v1, Arrays.copyOf(v, 100));
        e = assertThrows(FileFormatException.class, () -> Llama2cCheckpoints.read(v1));
        assertTrue(e.getMessage().contains("256 bytes of version-1 header"), e.getMessage());
    }

    /** A bit flip in n_layers (5 → 2^30 + 5) once built a billion-entry layer list and ran out of memory after a minute. */
    @Test void aBitFlipInNLayersFailsFastNamingTheFileAndTheField(@TempDir Path dir) throws Exception {
        byte[] b = Files.readAllBytes(stories());
        ByteBuffer header = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(5, header.getInt(8));
        header.putInt(8, 5 | 1 << 30);
        Path flipped = dir.resolve("flipped.bin");
        Files.write(flipped, b);
        long liveBefore = CpuAllocator.liveBytes(), start = System.nanoTime();
        var e = assertThrows(FileFormatException.class, () -> Llama2cCheckpoints.read(flipped));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 0.5, "took " + seconds + " s");
        assertEquals(flipped, e.file());
        assertTrue(e.getMessage().startsWith(flipped.toString()) && e.getMessage().contains("n_layers is 1073741829"),
                e.getMessage());
        assertEquals(liveBefore, CpuAllocator.liveBytes(), "no tensor memory may be allocated for a corrupt header");
    }

    /** A header within the limits that disagrees with the file's size is measured, not built. */
    @Test void aHeaderThatDoesNotFitTheFileSizeAllocatesNothing(@TempDir Path dir) throws Exception {
        byte[] b = Files.readAllBytes(stories());
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 5 | 1 << 11);   // n_layers 2053, under the limit
        Path flipped = dir.resolve("flipped.bin");
        Files.write(flipped, b);
        long liveBefore = CpuAllocator.liveBytes();
        var e = assertThrows(FileFormatException.class, () -> Llama2cCheckpoints.read(flipped));
        assertTrue(e.getMessage().contains("truncated: expected") && e.getMessage().contains("nLayers=2053")
                && e.getMessage().contains("file has 1056540 bytes"), e.getMessage());
        assertEquals(liveBefore, CpuAllocator.liveBytes());
    }

    @Test void theClosedFormSizeMatchesFilesOfBothFormats(@TempDir Path dir) throws Exception {
        LlamaCheckpoint stories = Llama2cCheckpoints.read(stories());
        assertEquals(Files.size(stories()), Llama2cCheckpoints.expectedBytes(stories.config(), Llama2cCheckpoints.Format.LEGACY));
        Path v1 = dir.resolve("v1.bin");
        Llama2cCheckpoints.writeV1(v1, stories);
        assertEquals(Files.size(v1), Llama2cCheckpoints.expectedBytes(stories.config(), Llama2cCheckpoints.Format.V1));
        LlamaConfig huge = LlamaConfig.llama2c(1 << 16, 1 << 16, 1 << 12, 1 << 10, 1 << 10, 1 << 22, 1 << 20, false);
        assertThrows(ArithmeticException.class, () -> Llama2cCheckpoints.expectedBytes(
                LlamaConfig.llama2c(Integer.MAX_VALUE - 1, Integer.MAX_VALUE - 1, Integer.MAX_VALUE, 1, 1, 1, 1, true),
                Llama2cCheckpoints.Format.V1));
        assertTrue(Llama2cCheckpoints.expectedBytes(huge, Llama2cCheckpoints.Format.LEGACY) > 0);
    }
}

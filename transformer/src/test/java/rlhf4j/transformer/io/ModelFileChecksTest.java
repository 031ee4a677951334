package rlhf4j.transformer.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.cpu.CpuAllocator;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.llama.Llama;

/**
 * Model directories whose config.json and model.safetensors disagree, or whose weights are of the wrong dtype or
 * not finite: each is reported (or warned about) before anything of the config's size is allocated.
 */
class ModelFileChecksTest {
    @TempDir Path dir;

    static final GptConfig SMALL_GPT = new GptConfig(2, 2, 16, 8, 300, 0.0);
    static final LlamaConfig SMALL_LLAMA = LlamaConfig.llama2c(16, 24, 2, 4, 2, 40, 8, false)
            .withRopeLayout(RopeLayout.HALF_SPLIT);

    private Path savedGpt() throws Exception {
        Path d = dir.resolve("gpt");
        new Gpt2(SMALL_GPT, 7).save(d);
        return d;
    }

    private static void replaceInConfig(Path modelDir, String from, String to) throws Exception {
        Path config = modelDir.resolve("config.json");
        String text = Files.readString(config);
        assertTrue(text.contains(from), text);
        Files.writeString(config, text.replace(from, to));
    }

    @Test void theExpectedShapesAreTheModelsOwn() {
        assertSameShapes(Gpt2.parameterShapes(SMALL_GPT), new Gpt2(SMALL_GPT, 1).stateDict());
        assertEquals(Gpt2.tensorCount(SMALL_GPT), Gpt2.parameterShapes(SMALL_GPT).size());
        assertSameShapes(LlamaCheckpoint.shapes(SMALL_LLAMA), new Llama(SMALL_LLAMA, 1).stateDict());
        assertEquals(LlamaCheckpoint.tensorCount(SMALL_LLAMA), LlamaCheckpoint.shapes(SMALL_LLAMA).size());
        LlamaConfig shared = LlamaConfig.llama2c(16, 24, 2, 4, 2, 40, 8, true);
        Map<String, int[]> sharedShapes = LlamaCheckpoint.shapes(shared);
        assertFalse(sharedShapes.containsKey(LlamaCheckpoint.LM_HEAD));
        assertSameShapes(sharedShapes, new Llama(shared, 1).stateDict());
    }

    private static void assertSameShapes(Map<String, int[]> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, shape) -> assertArrayEquals(shape, actual.get(name).shape(), name));
    }

    /** config.json said n_embd 65536 beside 16-wide weights: the model (tens of GB) was allocated before the check. */
    @Test void aGpt2ConfigThatDisagreesWithTheWeightsFailsBeforeAllocating() throws Exception {
        Path d = savedGpt();
        replaceInConfig(d, "\"n_embd\": 16", "\"n_embd\": 65536");
        long liveBefore = CpuAllocator.liveBytes(), start = System.nanoTime();
        var e = assertThrows(FileFormatException.class, () -> Gpt2.fromPretrained(d));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 0.5, "took " + seconds + " s");
        assertEquals(d.resolve("model.safetensors"), e.file());
        assertTrue(e.getMessage().contains("tensor wte.weight has shape [300, 16] but " + d.resolve("config.json")
                + " (n_layer 2, n_head 2, n_embd 65536, n_positions 8, vocab_size 300) needs [300, 65536]"), e.getMessage());
        assertEquals(liveBefore, CpuAllocator.liveBytes(), "nothing may be allocated for a config the weights contradict");
    }

    @Test void aGpt2ConfigWithMoreLayersThanTheFileFailsOnTheTensorCount() throws Exception {
        Path d = savedGpt();
        replaceInConfig(d, "\"n_layer\": 2", "\"n_layer\": 2000000000");
        var e = assertThrows(FileFormatException.class, () -> Gpt2.fromPretrained(d));
        assertTrue(e.getMessage().contains("holds 28 weight tensors but") && e.getMessage().contains("needs 24000000004"),
                e.getMessage());
    }

    @Test void aLlamaConfigThatDisagreesWithTheWeightsFailsBeforeAllocating() throws Exception {
        Path d = dir.resolve("llama");
        new Llama(SMALL_LLAMA, 3).save(d);
        assertEquals(SMALL_LLAMA, Llama.fromPretrained(d, Device.CPU).config);
        replaceInConfig(d, "\"intermediate_size\": 24", "\"intermediate_size\": 1000000");
        long liveBefore = CpuAllocator.liveBytes();
        var e = assertThrows(FileFormatException.class, () -> Llama.fromPretrained(d, Device.CPU));
        assertTrue(e.getMessage().contains("has shape [24, 16] but") && e.getMessage().contains("intermediate_size 1000000")
                && e.getMessage().contains("needs [1000000, 16]"), e.getMessage());
        assertEquals(liveBefore, CpuAllocator.liveBytes());

        replaceInConfig(d, "\"intermediate_size\": 1000000", "\"intermediate_size\": 24.5");
        e = assertThrows(FileFormatException.class, () -> Llama.fromPretrained(d, Device.CPU));
        assertTrue(e.getMessage().endsWith("\"intermediate_size\" is 24.5, expected an integer"), e.getMessage());
    }

    /** An I32 tensor where F32 weights belong was converted value by value (token ids became weights). */
    @Test void integerTensorsAreNeverConvertedIntoWeights() throws Exception {
        Path d = savedGpt();
        Map<String, Tensor> weights = new LinkedHashMap<>(Safetensors.read(d.resolve("model.safetensors")).tensors());
        Tensor wte = weights.get("wte.weight");
        weights.put("wte.weight", Tensor.zeros(DType.I32, Device.CPU, wte.shape()));
        Safetensors.write(d.resolve("model.safetensors"), weights);
        var e = assertThrows(FileFormatException.class, () -> Gpt2.fromPretrained(d));
        assertTrue(e.getMessage().contains("tensor wte.weight is stored as I32 but is a float weight"), e.getMessage());

        Gpt2 model = new Gpt2(SMALL_GPT, 1);
        var wrongType = new IllegalArgumentException[1];
        wrongType[0] = assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(weights, true));
        assertTrue(wrongType[0].getMessage().contains("'wte.weight' is I32 in the state dict but F32 in the model"),
                wrongType[0].getMessage());
    }

    /** All-NaN weights loaded silently and generated token 0 forever with exit status 0. */
    @Test void nonFiniteWeightsGiveOneWarningLineNamingTheTensorAndTheCount() throws Exception {
        Gpt2 nan = new Gpt2(SMALL_GPT, 1);
        for (Tensor t : nan.stateDict().values()) t.fill(Float.NaN);
        Path d = dir.resolve("nan");
        nan.save(d);
        String warnings = stderrOf(() -> Gpt2.fromPretrained(d));
        long all = Gpt2.parameterShapes(SMALL_GPT).values().stream().mapToLong(s -> Arrays.stream(s).asLongStream()
                .reduce(1, Math::multiplyExact)).sum();
        assertEquals("warning: " + d.resolve("model.safetensors") + ": tensor h.0.attn.c_attn.bias has 48 of 48 values NaN"
                + " or infinite (28 tensors, " + all + " values in all); the model will not compute anything meaningful\n",
                warnings);
        assertEquals("", stderrOf(() -> Gpt2.fromPretrained(savedGpt())), "finite weights load without a word");
    }

    private interface Load { void run() throws Exception; }

    private static String stderrOf(Load load) throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            load.run();
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test void configsWithWrongTypesNameTheFieldAndQuoteAtMostAShortValue() throws Exception {
        Path d = savedGpt();
        String huge = "\"" + "9".repeat(20_000_000) + "\"";
        replaceInConfig(d, "\"n_head\": 2", "\"n_head\": " + huge);
        var e = assertThrows(FileFormatException.class, () -> Gpt2.fromPretrained(d));
        assertTrue(e.getMessage().contains("\"n_head\" is \"999"), e.getMessage());
        assertTrue(e.getMessage().length() < 500, "message of " + e.getMessage().length() + " characters");

        replaceInConfig(d, "\"n_head\": " + huge, "\"n_head\": 2");
        Files.write(d.resolve("config.json"), concat(Files.readAllBytes(d.resolve("config.json")), new byte[]{(byte) 0xC3}));
        e = assertThrows(FileFormatException.class, () -> Gpt2.fromPretrained(d));
        assertTrue(e.getMessage().contains("invalid UTF-8 (byte 0xC3)"), e.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

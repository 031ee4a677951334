package rlhf4j.transformer.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gpt2ConfigTest {

    @Test void readsAHuggingFaceGpt2Config(@TempDir Path dir) throws Exception {
        // the shape of the gpt2 (124M) config.json on the Hugging Face hub
        Path f = dir.resolve("config.json");
        Files.writeString(f, """
                {
                  "activation_function": "gelu_new",
                  "architectures": ["GPT2LMHeadModel"],
                  "attn_pdrop": 0.1,
                  "bos_token_id": 50256,
                  "eos_token_id": 50256,
                  "initializer_range": 0.02,
                  "layer_norm_epsilon": 1e-05,
                  "model_type": "gpt2",
                  "n_ctx": 1024,
                  "n_embd": 768,
                  "n_head": 12,
                  "n_layer": 12,
                  "n_positions": 1024,
                  "vocab_size": 50257
                }
                """);
        Gpt2Config c = Gpt2Config.read(f);
        assertEquals(Gpt2Config.gpt2Small(), c);
        assertEquals(64, c.headSize());
    }

    @Test void writeThenRead(@TempDir Path dir) throws Exception {
        Gpt2Config c = new Gpt2Config(4, 4, 128, 256, 1000, 1e-6, List.of("GPT2LMHeadModel"));
        Path f = dir.resolve("config.json");
        c.write(f);
        assertEquals(c, Gpt2Config.read(f));
        String json = Files.readString(f);
        assertTrue(json.contains("\"n_ctx\": 256") && json.contains("\"model_type\": \"gpt2\""), json);
        // older files have only n_ctx
        Files.writeString(f, "{\"n_layer\": 2, \"n_head\": 2, \"n_embd\": 8, \"n_ctx\": 16, \"vocab_size\": 10}");
        Gpt2Config old = Gpt2Config.read(f);
        assertEquals(16, old.nPositions());
        assertEquals(1e-5, old.layerNormEpsilon());
        assertEquals(List.of(), old.architectures());
    }

    @Test void badConfigsNameFileAndField(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"n_layer\": 2, \"n_head\": 3, \"n_embd\": 8, \"n_positions\": 16, \"vocab_size\": 10}");
        var e = assertThrows(FileFormatException.class, () -> Gpt2Config.read(f));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("n_embd 8 is not divisible by n_head 3"),
                e.getMessage());
        Files.writeString(f, "{\"n_layer\": 2, \"n_embd\": 8, \"n_positions\": 16, \"vocab_size\": 10}");
        e = assertThrows(FileFormatException.class, () -> Gpt2Config.read(f));
        assertTrue(e.getMessage().contains("missing \"n_head\""), e.getMessage());
        Files.writeString(f, "{\"n_layer\": 2.5, \"n_head\": 2, \"n_embd\": 8, \"n_positions\": 16, \"vocab_size\": 10}");
        e = assertThrows(FileFormatException.class, () -> Gpt2Config.read(f));
        assertTrue(e.getMessage().contains("\"n_layer\" is 2.5"), e.getMessage());
        Files.writeString(f, "[1, 2]");
        assertThrows(FileFormatException.class, () -> Gpt2Config.read(f));
    }
}

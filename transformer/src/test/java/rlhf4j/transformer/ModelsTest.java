package rlhf4j.transformer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.llama.Llama;

class ModelsTest {
    @Test void opensEachKind(@TempDir Path dir) throws Exception {
        assertInstanceOf(Llama.class, Models.load(DataSets.file("stories260k/stories260K.bin")));
        new Gpt2(new GptConfig(1, 2, 8, 8, 20, 0), 1).save(dir);
        assertInstanceOf(Gpt2.class, Models.load(dir));
    }

    @Test void unknownArchitectureNamesTheFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"bert\", \"architectures\": [\"BertModel\"]}");
        var e = assertThrows(FileFormatException.class, () -> Models.load(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("unknown architecture [bert, BertModel]"),
                e.getMessage());
    }

    @Test void checkpointWhoseSizeDoesNotMatchItsConfigNamesFileAndSizes(@TempDir Path dir) throws Exception {
        byte[] good = Files.readAllBytes(DataSets.file("stories260k/stories260K.bin"));
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, java.util.Arrays.copyOf(good, good.length - 100));
        var e = assertThrows(FileFormatException.class, () -> Models.load(cut));
        assertTrue(e.getMessage().contains("cut.bin") && e.getMessage().contains("truncated")
                && e.getMessage().contains(Long.toString(good.length)), e.getMessage());
        // a header that claims a wider model than the tensors that follow
        byte[] wide = good.clone();
        wide[0] = (byte) 128;                                           // dim 64 → 128
        Path bad = dir.resolve("wide.bin");
        Files.write(bad, wide);
        e = assertThrows(FileFormatException.class, () -> Models.load(bad));
        assertTrue(e.getMessage().contains("wide.bin") && e.getMessage().contains("dim=128"), e.getMessage());
    }

    @Test void missingCheckpoint(@TempDir Path dir) {
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Models.load(dir.resolve("nope.bin")));
        assertThrows(FileFormatException.class, () -> Models.load(dir));   // a directory without config.json
    }
}

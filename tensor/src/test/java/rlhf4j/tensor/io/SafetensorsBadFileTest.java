package rlhf4j.tensor.io;

import static org.junit.jupiter.api.Assertions.*;
import static rlhf4j.tensor.io.Bytes.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.cpu.CpuAllocator;

/**
 * One test per kind of malformed file: each must give a {@link SafetensorsFormatException} whose message names the
 * file and the problem, and must leave no tensor memory behind.
 */
class SafetensorsBadFileTest {
    @TempDir Path dir;

    /** A valid 2-element F32 tensor "a" at [0, 8), to corrupt. */
    static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    // ---------------------------------------------------------------------------------------- the 8-byte prefix

    @Test void emptyFile() throws IOException {
        assertBad("empty", new byte[0], "0 bytes long", "shorter than the 8-byte header length");
    }

    @Test void fileShorterThanEightBytes() throws IOException {
        assertBad("short", new byte[]{8, 0, 0, 0, 0}, "5 bytes long", "shorter than the 8-byte header length");
    }

    @Test void headerLengthPastTheEndOfTheFile() throws IOException {
        byte[] bytes = concat(u64(100), "{}".getBytes(StandardCharsets.UTF_8));
        assertBad("header-past-end", bytes, "header length 100 runs past the end of the file (10 bytes)");
    }

    @Test void headerOverOneHundredMegabytes() throws IOException {
        byte[] bytes = concat(u64(100_000_001), "{}      ".getBytes(StandardCharsets.UTF_8));
        assertBad("huge-header", bytes, "header length 100000001 is over the limit of 100000000 bytes");
    }

    @Test void headerLengthWithTheTopBitSet() throws IOException {
        byte[] bytes = concat(u64(-1), "{}      ".getBytes(StandardCharsets.UTF_8));
        assertBad("top-bit", bytes, "header length 18446744073709551615 is over the limit");
    }

    // ---------------------------------------------------------------------------------------- the JSON header

    @Test void headerThatIsNotJson() throws IOException {
        assertBad("not-json", file("{\"a\": {\"dtype\": \"F32\",", f32(1, 2)), "header is not valid JSON");
    }

    @Test void headerWithTextAfterTheObject() throws IOException {
        assertBad("trailing-text", file("{" + A + "} x", f32(1, 2)), "header is not valid JSON");
    }

    @Test void headerThatIsNotUtf8() throws IOException {
        byte[] json = ("{" + A + "}").getBytes(StandardCharsets.UTF_8);
        json[3] = (byte) 0xFF;   // the quote closing the name "a" becomes a byte that never occurs in UTF-8
        assertBad("not-utf8", concat(u64(json.length), json, f32(1, 2)), "header is not valid UTF-8");
    }

    @Test void headerThatIsAnArray() throws IOException {
        assertBad("array", file("[1, 2]"), "the header should be an object but is an array");
    }

    @Test void entryThatIsNotAnObject() throws IOException {
        assertBad("entry-string", file("{\"a\": \"F32\"}"), "the entry of tensor 'a' should be an object but is a string");
    }

    @Test void unknownDtype() throws IOException {
        assertBad("unknown-dtype", file("{" + A.replace("F32", "F8_Q3") + "}", f32(1, 2)),
                "tensor 'a' has unknown dtype 'F8_Q3'");
    }

    @Test void negativeDim() throws IOException {
        assertBad("negative-dim", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,-3],\"data_offsets\":[0,8]}}", f32(1, 2)),
                "tensor 'a' has a negative dim -3 in shape [2, -3]");
    }

    @Test void dimThatIsNotAnInteger() throws IOException {
        assertBad("fractional-dim", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", f32(1, 2)),
                "shape of tensor 'a' holds 2.5, which is not an integer");
    }

    @Test void dimLargerThanATensorDim() throws IOException {
        assertBad("dim-too-large",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3000000000],\"data_offsets\":[0,8]}}", f32(1, 2)),
                "tensor 'a' has dim 3000000000", "more than a tensor dim can hold");
    }

    @Test void shapeWhoseByteSizeOverflows() throws IOException {
        assertBad("overflow", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],"
                + "\"data_offsets\":[0,8]}}", f32(1, 2)), "byte size overflows");
    }

    @Test void missingShape() throws IOException {
        assertBad("no-shape", file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", f32(1, 2)),
                "tensor 'a' has no shape");
    }

    @Test void offsetsThatAreNotAPair() throws IOException {
        assertBad("three-offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", f32(1, 2)),
                "tensor 'a' has 3 data_offsets");
    }

    @Test void tensorNamedTwice() throws IOException {
        assertBad("duplicate", file("{" + A + "," + A + "}", f32(1, 2)), "the key 'a' twice");
    }

    @Test void metadataValueThatIsNotAString() throws IOException {
        assertBad("metadata-number", file("{\"__metadata__\":{\"step\":3}," + A + "}", f32(1, 2)),
                "metadata value of 'step' should be a string but is a number");
    }

    // ---------------------------------------------------------------------------------------- offsets vs. bytes

    @Test void shapeThatDoesNotMatchItsBytes() throws IOException {
        assertBad("shape-vs-bytes", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}",
                new byte[20]), "tensor 'a'", "shape [2, 3] of F32 needs 24 bytes but the offsets span 20");
    }

    @Test void shapeThatDoesNotMatchItsBytesForAHalfType() throws IOException {
        assertBad("bf16-vs-bytes", file("{\"h\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,4]}}",
                u16(1, 2)), "tensor 'h'", "shape [3] of BF16 needs 6 bytes but the offsets span 4");
    }

    @Test void offsetsEndPastTheEndOfTheBuffer() throws IOException {
        assertBad("past-buffer", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", f32(1, 2)),
                "tensor 'a' with data_offsets [0, 16] ends past the end of the data buffer (8 bytes)");
    }

    @Test void offsetsThatEndBeforeTheyBegin() throws IOException {
        assertBad("reversed", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", f32(1, 2)),
                "tensor 'a' with data_offsets [8, 0]", "end offset is before the begin offset");
    }

    @Test void overlappingTensors() throws IOException {
        String json = "{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertBad("overlap", file(json, f32(1, 2, 3)), "tensor 'b' with data_offsets [4, 12] overlaps tensor 'a'",
                "ends at byte 8");
    }

    @Test void tensorsWithAGapBetweenThem() throws IOException {
        String json = "{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}";
        assertBad("gap", file(json, f32(1, 2, 0, 3, 4)), "tensor 'b' with data_offsets [12, 20] leaves a gap",
                "bytes [8, 12)");
    }

    @Test void aFirstTensorThatDoesNotStartAtZero() throws IOException {
        assertBad("late-start", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", f32(0, 1)),
                "leaves a gap", "bytes [0, 4)");
    }

    @Test void trailingBytesAfterTheLastTensor() throws IOException {
        assertBad("trailing", file("{" + A + "}", f32(1, 2, 3)), "the data buffer is 12 bytes",
                "4 trailing bytes belong to no tensor");
    }

    @Test void truncatedFile() throws IOException {
        Path good = dir.resolve("good.safetensors");
        try (MemoryScope scope = MemoryScope.open()) {
            Safetensors.write(good, Map.of("w", Tensor.randn(1, 4, 4), "b", Tensor.zeros(4)));
        }
        byte[] whole = Files.readAllBytes(good);
        assertBad("truncated", Arrays.copyOf(whole, whole.length - 4),
                "tensor 'w' with data_offsets [16, 80] ends past the end of the data buffer (76 bytes)", "truncated");
        assertBad("truncated-in-header", Arrays.copyOf(whole, 20), "runs past the end of the file (20 bytes)");
    }

    @Test void i64ValueOutsideTheI32Range() throws IOException {
        String json = "{" + A + ",\"ids\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[8,32]}}";
        assertBad("i64-range", file(json, f32(1, 2), i64(1, 2, 1L << 31)),
                "I64 tensor 'ids' holds 2147483648 at element 2", "outside the I32 range");
    }

    /**
     * Writes the bytes to NAME.safetensors and checks that reading it fails with a message naming the file and
     * containing every fragment, and that the failed read frees whatever it had allocated.
     */
    private void assertBad(String name, byte[] bytes, String... fragments) throws IOException {
        Path file = dir.resolve(name + ".safetensors");
        Files.write(file, bytes);
        long live = CpuAllocator.liveBytes();
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(file));
        // at most: the GC's cleaner may free other tests' long-lived tensors meanwhile, never add any
        assertTrue(CpuAllocator.liveBytes() <= live, "a failed read must free what it allocated");
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        for (String f : fragments)
            assertTrue(e.getMessage().contains(f), "message should contain \"" + f + "\": " + e.getMessage());
        // the header alone is checked the same way, except for values only the data can reveal
        if (!name.equals("i64-range"))
            assertThrows(SafetensorsFormatException.class, () -> SafetensorsHeader.read(file));
    }
}

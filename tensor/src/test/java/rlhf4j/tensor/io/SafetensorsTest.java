package rlhf4j.tensor.io;

import static org.junit.jupiter.api.Assertions.*;
import static rlhf4j.tensor.io.Bytes.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.cpu.CpuAllocator;

class SafetensorsTest {
    @TempDir Path dir;

    @Test void roundTripKeepsShapesValuesAndMetadata() throws IOException {
        try (MemoryScope scope = MemoryScope.open()) {
            Map<String, Tensor> src = new LinkedHashMap<>();
            src.put("matrix", Tensor.randn(1, 3, 4));
            src.put("scalar", Tensor.scalar(2.5));
            src.put("empty", Tensor.zeros(0, 3));
            src.put("empty.middle", Tensor.zeros(2, 0, 5));
            src.put("empty.view", Tensor.randn(2, 2, 3, 4).narrow(0, 2, 0).narrow(2, 4, 0));   // offset past the end
            src.put("ids", Tensor.ofInts(new int[]{-3, 0, 7, Integer.MAX_VALUE, Integer.MIN_VALUE, 42}, 2, 3));
            src.put("transposed", Tensor.randn(2, 4, 3).mT());                   // strides (1, 3)
            src.put("narrowed", Tensor.randn(3, 5, 6).narrow(1, 2, 3));          // a window with a row gap
            src.put("expanded", Tensor.of(1, 2, 3).expand(2, 3));                // stride 0
            src.put("permuted", Tensor.randn(4, 2, 3, 4).permute(2, 0, 1));
            assertFalse(src.get("transposed").isContiguous());
            Map<String, String> meta = Map.of("format", "pt", "note", "π ≈ 3.14 <&>");
            Path file = dir.resolve("model.safetensors");
            Safetensors.write(file, src, meta);

            Safetensors.Contents back = Safetensors.read(file);
            assertEquals(List.of("empty", "empty.middle", "empty.view", "expanded", "ids", "matrix", "narrowed", "permuted", "scalar",
                    "transposed"), List.copyOf(back.tensors().keySet()), "sorted names, in file order");
            assertEquals(meta, back.metadata());
            for (var e : src.entrySet()) {
                Tensor want = e.getValue(), got = back.tensors().get(e.getKey());
                assertArrayEquals(want.shape(), got.shape(), e.getKey());
                assertEquals(want.dtype(), got.dtype(), e.getKey());
                assertTrue(got.isContiguous(), e.getKey());
                if (want.dtype() == DType.I32) assertArrayEquals(want.toIntArray(), got.toIntArray(), e.getKey());
                else assertArrayEquals(want.toFloatArray(), got.toFloatArray(), e.getKey());
            }
            assertEquals(3.0f, back.tensors().get("expanded").get(1, 2));
            assertEquals(2.5f, back.tensors().get("scalar").item());

            // the layout the header describes: 8-aligned data, tensors back to back in name order
            SafetensorsHeader h = SafetensorsHeader.read(file);
            assertEquals(0, h.dataStart() % 8);
            long at = 0;
            for (SafetensorsHeader.Entry e : h.tensors()) {
                assertEquals(at, e.begin(), e.name());
                at = e.end();
            }
            assertEquals(Files.size(file), h.dataStart() + at);
        }
    }

    @Test void writesExactlyTheReferenceBytes() throws IOException {
        Path file = dir.resolve("exact.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("b", Tensor.of(1f, -2f));
        tensors.put("a", Tensor.scalar(0.5));
        tensors.put("c", Tensor.ofInts(new int[]{258}, 1, 1));
        Safetensors.write(file, tensors, Map.of("format", "pt"));

        // what the reference writer produces: compact JSON, metadata first, sorted names, space padding to 8
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                + "\"c\":{\"dtype\":\"I32\",\"shape\":[1,1],\"data_offsets\":[12,16]}}";
        String padded = json + " ".repeat((8 - json.length() % 8) % 8);
        byte[] expected = file(padded, f32(0.5f), f32(1f, -2f), new byte[]{2, 1, 0, 0});
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    @Test void headerIsPaddedToAMultipleOfEightForEveryNameLength() throws IOException {
        for (int len = 1; len <= 9; len++) {
            Path file = dir.resolve("pad" + len + ".safetensors");
            try (MemoryScope scope = MemoryScope.open()) {
                Safetensors.write(file, Map.of("x".repeat(len), Tensor.of(7f)));
            }
            byte[] bytes = Files.readAllBytes(file);
            long n = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, n % 8, "name length " + len);
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            String json = header.stripTrailing(), padding = header.substring(json.length());
            assertTrue(json.endsWith("}"), header);
            assertTrue(padding.length() < 8 && padding.chars().allMatch(c -> c == ' '), "padding '" + padding + "'");
            assertEquals(8 + n + 4, bytes.length);
        }
    }

    /** A file built by hand byte by byte, with every readable dtype, values checked against known decimals. */
    @Test void readsAHandBuiltFileWithEveryDtype() throws IOException {
        byte[] f32 = f32(1.5f, -0.25f);                                                    // [0, 8)
        // F16 bit patterns: 1, -2, 0.333251953125, 65504 (largest), 2^-24 (smallest subnormal), +inf
        byte[] f16 = u16(0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x7C00);                 // [8, 20)
        // BF16 bit patterns: 1, -3.140625, 0.15625, 3.3895314e38 (largest finite)
        byte[] bf16 = u16(0x3F80, 0xC049, 0x3E20, 0x7F7F);                                // [20, 28)
        byte[] i32 = i32(-5, 7);                                                           // [28, 36)
        byte[] i64 = i64(7, -1, Integer.MAX_VALUE, Integer.MIN_VALUE);                     // [36, 68)
        // entries listed out of file order and metadata last: the reader must order by offset
        String header = """
                {"i64": {"dtype": "I64", "shape": [2, 2], "data_offsets": [36, 68]},
                 "f32": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "bf16": {"dtype": "BF16", "shape": [4], "data_offsets": [20, 28]},
                 "empty": {"dtype": "F16", "shape": [3, 0], "data_offsets": [20, 20]},
                 "f16": {"dtype": "F16", "shape": [2, 3], "data_offsets": [8, 20]},
                 "i32": {"dtype": "I32", "shape": [], "data_offsets": [28, 32]},
                 "i32b": {"dtype": "I32", "shape": [1], "data_offsets": [32, 36]},
                 "__metadata__": {"source": "by hand"}}\t\n  """;
        byte[] i32a = java.util.Arrays.copyOfRange(i32, 0, 4), i32b = java.util.Arrays.copyOfRange(i32, 4, 8);
        Path file = dir.resolve("by-hand.safetensors");
        Files.write(file, file(header, f32, f16, bf16, i32a, i32b, i64));

        try (MemoryScope scope = MemoryScope.open()) {
            Safetensors.Contents c = Safetensors.read(file);
            assertEquals(List.of("f32", "f16", "empty", "bf16", "i32", "i32b", "i64"), List.copyOf(c.tensors().keySet()));
            assertEquals(Map.of("source", "by hand"), c.metadata());
            Map<String, Tensor> t = c.tensors();

            assertArrayEquals(new float[]{1.5f, -0.25f}, t.get("f32").toFloatArray());

            Tensor half = t.get("f16");
            assertEquals(DType.F32, half.dtype());
            assertArrayEquals(new int[]{2, 3}, half.shape());
            assertArrayEquals(new float[]{1f, -2f, 0.333251953125f, 65504f, 5.9604644775390625E-8f,
                    Float.POSITIVE_INFINITY}, half.toFloatArray());

            assertArrayEquals(new int[]{3, 0}, t.get("empty").shape());
            assertEquals(DType.F32, t.get("empty").dtype());

            Tensor bf = t.get("bf16");
            assertEquals(DType.F32, bf.dtype());
            assertArrayEquals(new float[]{1f, -3.140625f, 0.15625f, 3.3895314e38f}, bf.toFloatArray());

            assertEquals(DType.I32, t.get("i32").dtype());
            assertEquals(0, t.get("i32").dim());
            assertArrayEquals(new int[]{-5}, t.get("i32").toIntArray());
            assertArrayEquals(new int[]{7}, t.get("i32b").toIntArray());

            Tensor ids = t.get("i64");
            assertEquals(DType.I32, ids.dtype());
            assertArrayEquals(new int[]{2, 2}, ids.shape());
            assertArrayEquals(new int[]{7, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, ids.toIntArray());
        }
    }

    /** A file written by the reference implementation (safetensors 0.8.0 through NumPy), kept as a test resource. */
    @Test void readsAFileWrittenByTheReferenceImplementation() throws IOException {
        Path file = dir.resolve("hf-reference.safetensors");
        try (InputStream in = getClass().getResourceAsStream("hf-reference.safetensors")) {
            assertNotNull(in, "test resource hf-reference.safetensors");
            Files.copy(in, file);
        }
        try (MemoryScope scope = MemoryScope.open()) {
            Safetensors.Contents c = Safetensors.read(file);
            assertEquals(Map.of("format", "np", "note", "written by safetensors 0.8.0"), c.metadata());
            Map<String, Tensor> t = c.tensors();
            assertEquals(List.of("ids", "empty", "scalar", "weight", "counts", "half"), List.copyOf(t.keySet()));
            assertArrayEquals(new float[]{-1f, -0.5f, 0f, 0.5f, 1f, 1.5f}, t.get("weight").toFloatArray());
            assertArrayEquals(new int[]{2, 3}, t.get("weight").shape());
            assertArrayEquals(new float[]{1f, -2.5f, 0.0999755859375f, 65504f}, t.get("half").toFloatArray());
            assertArrayEquals(new int[]{3, -7, Integer.MAX_VALUE, Integer.MIN_VALUE}, t.get("ids").toIntArray());
            assertArrayEquals(new int[]{1, 2, 3}, t.get("counts").toIntArray());
            assertEquals(3.25f, t.get("scalar").item());
            assertEquals(0, t.get("scalar").dim());
            assertArrayEquals(new int[]{0, 4}, t.get("empty").shape());
        }
    }

    @Test void readsOnlyTheWantedTensors() throws IOException {
        Path file = dir.resolve("subset.safetensors");
        try (MemoryScope scope = MemoryScope.open()) {
            Safetensors.write(file, Map.of("h.0.w", Tensor.of(1f, 2f), "h.1.w", Tensor.of(3f), "lm_head", Tensor.zeros(8)));
            long before = CpuAllocator.liveBytes();
            Map<String, Tensor> t = Safetensors.read(file, rlhf4j.tensor.Device.CPU, name -> name.startsWith("h.")).tensors();
            assertEquals(List.of("h.0.w", "h.1.w"), List.copyOf(t.keySet()));
            assertArrayEquals(new float[]{3f}, t.get("h.1.w").toFloatArray());
            assertTrue(CpuAllocator.liveBytes() - before <= 2 * CpuAllocator.ALIGNMENT, "two small blocks, no lm_head");
        }
    }

    @Test void readsAnEmptyFile() throws IOException {
        Path file = dir.resolve("nothing.safetensors");
        Safetensors.write(file, Map.of());
        assertArrayEquals(file("{}      "), Files.readAllBytes(file));
        Safetensors.Contents c = Safetensors.read(file);
        assertTrue(c.tensors().isEmpty());
        assertTrue(c.metadata().isEmpty());
    }

    @Test void tensorsReadInsideAScopeAreFreedWithIt() throws IOException {
        Path file = dir.resolve("scoped.safetensors");
        try (MemoryScope scope = MemoryScope.open()) {
            Safetensors.write(file, Map.of("w", Tensor.randn(3, 64, 64), "b", Tensor.zeros(64)));
        }
        long before = CpuAllocator.liveBytes();
        Tensor w;
        try (MemoryScope scope = MemoryScope.open()) {
            w = Safetensors.read(file).tensors().get("w");
            assertEquals(2, scope.ownedCount());
        }
        assertTrue(CpuAllocator.liveBytes() <= before, "all freed (the GC may free other tests' memory meanwhile)");
        assertThrows(IllegalStateException.class, w::toFloatArray);
    }

    @Test void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("w.safetensors");
        try (MemoryScope scope = MemoryScope.open()) {
            Safetensors.write(file, Map.of("a", Tensor.of(1f, 2f)));
            Safetensors.write(file, Map.of("a", Tensor.of(3f, 4f, 5f)));
            assertArrayEquals(new float[]{3f, 4f, 5f}, Safetensors.read(file).tensors().get("a").toFloatArray());
        }
        assertEquals(List.of(file), listDir());
    }

    @Test void aWriteThatFailsHalfwayLeavesTheOldFileUntouched() throws IOException {
        Path file = dir.resolve("keep.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.of(1f, 2f)));
        byte[] old = Files.readAllBytes(file);

        Tensor good = Tensor.randn(5, 1000);
        Tensor freed = Tensor.randn(6, 1000);
        freed.free();   // its bytes cannot be read: the write fails after "a" is already in the file
        Map<String, Tensor> tensors = Map.of("a", good, "z", freed);
        assertThrows(IllegalStateException.class, () -> Safetensors.write(file, tensors));
        good.free();

        assertArrayEquals(old, Files.readAllBytes(file));
        assertEquals(List.of(file), listDir(), "the temporary file is removed");
    }

    @Test void writeRejectsNamesTheFormatReserves() {
        Path file = dir.resolve("bad-name.safetensors");
        Tensor t = Tensor.of(1f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(file, Map.of("__metadata__", t)));
        assertTrue(e.getMessage().contains("__metadata__"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(file, Map.of("", t)));
        t.free();
        assertFalse(Files.exists(file));
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}

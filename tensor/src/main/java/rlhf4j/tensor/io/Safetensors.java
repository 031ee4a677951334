package rlhf4j.tensor.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/**
 * Reads and writes the Hugging Face safetensors format (layout and validation rules: {@link SafetensorsHeader}).
 *
 * <pre>{@code
 * Safetensors.write(path, Map.of("wte", wte, "wpe", wpe), Map.of("format", "pt"));
 * Map<String, Tensor> weights = Safetensors.read(path).tensors();
 * }</pre>
 *
 * Reading memory-maps the file and copies each tensor once, straight from the mapping into the tensor's storage
 * (converting F16/BF16 to F32 and I64 to I32 on the way). The tensors are allocated like any other: inside a
 * {@link MemoryScope} they belong to it, outside one they are long-lived. Writing goes to a temporary file in the
 * same directory that is renamed over the target only once complete, so a crash never leaves a half-written file
 * under the final name.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Tensors in the order of their bytes in the file, and the header's "__metadata__". */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    // the file is little-endian whatever the host is; the unaligned layouts allow any data_offsets
    private static final ValueLayout.OfShort FILE_I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt FILE_I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong FILE_I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FILE_F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // compact like the reference writer, and '<', '>', '=' kept as they are rather than \\u003c-escaped
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    // ================================================================================================ reading

    /** Reads every tensor of a file onto the CPU. */
    public static Contents read(Path file) throws IOException { return read(file, Device.CPU); }

    /** Reads every tensor of a file onto a device. A bad file throws {@link SafetensorsFormatException}. */
    public static Contents read(Path file, Device device) throws IOException { return read(file, device, name -> true); }

    /**
     * Reads the tensors whose names {@code wanted} accepts; the others are never copied (the whole header is still
     * checked, so a bad file is reported even when the bad tensor is not wanted).
     */
    public static Contents read(Path file, Device device, Predicate<String> wanted) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             Arena mapping = Arena.ofConfined()) {
            SafetensorsHeader header = SafetensorsHeader.read(file, channel);
            MemorySegment data = channel.map(FileChannel.MapMode.READ_ONLY, header.dataStart(), header.dataLength(),
                    mapping);   // unmapped when the arena closes, after every tensor has been copied out
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            try {
                for (SafetensorsHeader.Entry e : header.tensors())
                    if (wanted.test(e.name())) tensors.put(e.name(), load(file, e, data.asSlice(e.begin(), e.byteLength()), device));
            } catch (IOException | RuntimeException failure) {
                for (Tensor t : tensors.values()) t.free();   // nothing leaks from a half-read file
                throw failure;
            }
            return new Contents(Collections.unmodifiableMap(tensors), header.metadata());
        }
    }

    /** One tensor, decoded from its bytes in the mapped file into a new tensor on the device. */
    private static Tensor load(Path file, SafetensorsHeader.Entry e, MemorySegment bytes, Device device)
            throws SafetensorsFormatException {
        Tensor t = Tensor.empty(e.dtype().loadedAs(), device, e.shape());
        try {
            if (t.storage() instanceof Tensor.HostAccessible host) {
                decode(file, e, bytes, host.hostSegment());            // CPU: decode straight into the tensor
            } else {
                long hostBytes = e.numel() * t.dtype().byteSize();
                try (Arena staging = Arena.ofConfined()) {              // a device: decode on the host, then upload
                    MemorySegment buffer = staging.allocate(Math.max(hostBytes, 1), 64);
                    decode(file, e, bytes, buffer);
                    t.backend().copyFromHost(buffer, t.storage(), 0, hostBytes);
                }
            }
            return t;
        } catch (SafetensorsFormatException | RuntimeException failure) {
            t.free();
            throw failure;
        }
    }

    /** Converts the file's little-endian elements into native-order F32 or I32 elements at the start of dst. */
    private static void decode(Path file, SafetensorsHeader.Entry e, MemorySegment src, MemorySegment dst)
            throws SafetensorsFormatException {
        long n = e.numel();
        switch (e.dtype()) {
            case F32 -> MemorySegment.copy(src, FILE_F32, 0, dst, ValueLayout.JAVA_FLOAT, 0, n);
            case I32 -> MemorySegment.copy(src, FILE_I32, 0, dst, ValueLayout.JAVA_INT, 0, n);
            case F16 -> {   // IEEE half: 1 sign, 5 exponent, 10 mantissa bits; every value is exact in F32
                for (long i = 0; i < n; i++)
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.float16ToFloat(src.getAtIndex(FILE_I16, i)));
            }
            case BF16 -> {  // bfloat16 is the top half of an F32: shift the 16 bits back into place
                for (long i = 0; i < n; i++)
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT, i,
                            Float.intBitsToFloat((src.getAtIndex(FILE_I16, i) & 0xFFFF) << 16));
            }
            case I64 -> {
                for (long i = 0; i < n; i++) {
                    long v = src.getAtIndex(FILE_I64, i);
                    if (v != (int) v)
                        throw SafetensorsHeader.bad(file, "I64 tensor '" + Quote.cap(e.name()) + "' holds " + v + " at element " + i
                                + ", outside the I32 range it is loaded as");
                    dst.setAtIndex(ValueLayout.JAVA_INT, i, (int) v);
                }
            }
        }
    }

    // ================================================================================================ writing

    /** Writes tensors (F32 or I32, any strides, any device) with no metadata. */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Writes tensors in sorted name order with contiguous data_offsets, and the metadata (may be null or empty) as
     * "__metadata__". The header is padded with spaces to a multiple of 8 bytes, so the data buffer is 8-aligned.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<String> names = new ArrayList<>(tensors.keySet());
        Collections.sort(names);

        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach((key, value) -> {
                if (key == null || value == null)
                    throw new IllegalArgumentException("safetensors metadata needs string keys and values, got "
                            + key + " = " + value);
                meta.addProperty(key, value);
            });
            header.add(SafetensorsHeader.METADATA_KEY, meta);
        }
        long dataLength = 0;
        for (String name : names) {
            Tensor t = tensors.get(name);
            if (name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY))
                throw new IllegalArgumentException("'" + name + "' cannot name a tensor in a safetensors file");
            if (t == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
            long bytes = t.numel() * t.dtype().byteSize();
            JsonObject info = new JsonObject();
            info.addProperty("dtype", SafetensorsDType.of(t.dtype()).name());
            JsonArray shape = new JsonArray();
            for (int d : t.shape()) shape.add(d);
            info.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(dataLength);
            offsets.add(dataLength + bytes);
            info.add("data_offsets", offsets);
            header.add(name, info);
            dataLength += bytes;
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padding = (8 - json.length % 8) % 8;
        long headerLength = json.length + padding;
        long fileLength = 8 + headerLength + dataLength;

        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        // not Files.createTempFile: that makes the file owner-only (0600), and the rename would keep it so
        Path temp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
        boolean renamed = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
                 Arena mapping = Arena.ofConfined()) {
                MemorySegment out = channel.map(FileChannel.MapMode.READ_WRITE, 0, fileLength, mapping);  // sizes the file
                out.set(FILE_I64, 0, headerLength);
                MemorySegment.copy(json, 0, out, ValueLayout.JAVA_BYTE, 8, json.length);
                out.asSlice(8 + json.length, padding).fill((byte) ' ');
                long position = 8 + headerLength;
                for (String name : names) position += writeData(tensors.get(name), out, position);
                out.force();              // the bytes are on disk before the file gets its final name
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            renamed = true;
            syncDirectory(dir);
        } finally {
            if (!renamed) Files.deleteIfExists(temp);
        }
    }

    /** Copies a tensor's elements, row-major, into the file at position; returns the bytes written. */
    private static long writeData(Tensor t, MemorySegment out, long position) {
        long n = t.numel();
        if (n == 0) return 0;   // an empty view's offset may even lie past the end of its storage
        try (MemoryScope scope = MemoryScope.open()) {    // frees the copy made for a non-contiguous tensor
            Tensor c = t.contiguous();
            long srcByteOffset = c.offset() * c.dtype().byteSize();
            // F32 and I32 are both 4-byte elements: copied as ints, swapped to little-endian on a big-endian host
            if (c.storage() instanceof Tensor.HostAccessible host) {
                MemorySegment.copy(host.hostSegment(), ValueLayout.JAVA_INT, srcByteOffset, out, FILE_I32, position, n);
            } else {
                try (Arena staging = Arena.ofConfined()) {
                    MemorySegment buffer = staging.allocate(Math.max(n * 4, 1), 64);
                    c.backend().copyToHost(c.storage(), srcByteOffset, buffer, n * 4);
                    MemorySegment.copy(buffer, ValueLayout.JAVA_INT, 0, out, FILE_I32, position, n);
                }
            }
        }
        return n * 4;
    }

    /** Makes the rename itself durable; not every platform can open a directory, so this is best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // the file itself is complete; only the rename's durability across a power cut is not guaranteed
        }
    }
}

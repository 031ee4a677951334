package rlhf4j.transformer.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;

/**
 * Reads and writes llama2.c's fp32 checkpoints ({@code model.bin}), little-endian.
 *
 * <p><b>Legacy format</b> (export.py {@code legacy_export}, what run.c reads): 7 int32 {@code dim, hidden_dim,
 * n_layers, n_heads, n_kv_heads, vocab_size, seq_len}, where a negative vocab_size means the classifier is not
 * shared with the embedding; then float32 tensors: token_embedding (vocab, dim), rms_att (L, dim), wq (L, dim, dim),
 * wk (L, kv_dim, dim), wv (L, kv_dim, dim), wo (L, dim, dim), rms_ffn (L, dim), w1 (L, hidden, dim),
 * w2 (L, dim, hidden), w3 (L, hidden, dim), rms_final (dim), freq_cis_real and freq_cis_imag (seq_len, head_size/2)
 * each, which run.c skips (and so does this reader), then wcls (vocab, dim) if unshared.
 *
 * <p><b>Version 1</b> (export.py {@code version1_export}): a 256-byte header: uint32 magic 0x616b3432 ("ak42"),
 * int32 version 1, the same 7 int32 (vocab_size positive), a uint8 shared_classifier flag, zero padding. Then
 * float32 tensors in a different order: all rms_att, all rms_ffn, rms_final, token_embedding, wq, wk, wv, wo, w1, w2,
 * w3, then wcls if unshared. No freq_cis.
 *
 * <p><b>Matrix orientation.</b> run.c's {@code matmul(xout, x, w, n, d)} computes {@code xout[i] = Σ_j w[i·n + j]
 * x[j]}: W is row-major (d, n) = (out, in), because export.py writes PyTorch Linear weights, which are (out, in).
 * So every matrix above is already in PyTorch/Hugging Face orientation and is read without transposing; e.g. wk of one
 * layer is (kv_dim, dim). The q/k rows are in llama2.c's interleaved rotary layout ({@link RopeLayout#INTERLEAVED}),
 * which the returned config records; they are not permuted to Hugging Face's half-split layout.
 *
 * <p>Tensors are allocated on the CPU in the current {@link rlhf4j.tensor.MemoryScope}, if one is open.
 */
public final class Llama2cCheckpoints {
    public static final int MAGIC = 0x616b3432;
    public static final int LEGACY_HEADER_BYTES = 7 * 4;
    public static final int V1_HEADER_BYTES = 256;
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public enum Format { LEGACY, V1 }

    private Llama2cCheckpoints() {}

    /** One stretch of floats in the file: a named tensor, or (name null) floats to skip. */
    private record Slot(String name, int[] shape) {
        long floats() {
            long n = 1;
            for (int s : shape) n = Math.multiplyExact(n, s);
            return n;
        }
    }

    /** The file's tensors in storage order. */
    private static List<Slot> layout(LlamaConfig c, Format format) {
        int d = c.dim(), h = c.hiddenDim(), kv = c.kvDim(), v = c.vocabSize(), L = c.nLayers();
        List<Slot> s = new ArrayList<>();
        if (format == Format.LEGACY) {
            s.add(new Slot(LlamaCheckpoint.EMBED, new int[]{v, d}));
            perLayer(s, L, LlamaCheckpoint.INPUT_NORM, d);
        } else {
            perLayer(s, L, LlamaCheckpoint.INPUT_NORM, d);
            perLayer(s, L, LlamaCheckpoint.POST_NORM, d);
            s.add(new Slot(LlamaCheckpoint.NORM, new int[]{d}));
            s.add(new Slot(LlamaCheckpoint.EMBED, new int[]{v, d}));
        }
        perLayer(s, L, LlamaCheckpoint.Q, d, d);
        perLayer(s, L, LlamaCheckpoint.K, kv, d);
        perLayer(s, L, LlamaCheckpoint.V, kv, d);
        perLayer(s, L, LlamaCheckpoint.O, d, d);
        if (format == Format.LEGACY) perLayer(s, L, LlamaCheckpoint.POST_NORM, d);
        perLayer(s, L, LlamaCheckpoint.GATE, h, d);     // w1
        perLayer(s, L, LlamaCheckpoint.DOWN, d, h);     // w2
        perLayer(s, L, LlamaCheckpoint.UP, h, d);       // w3
        if (format == Format.LEGACY) {
            s.add(new Slot(LlamaCheckpoint.NORM, new int[]{d}));
            s.add(new Slot(null, new int[]{c.seqLen(), c.headSize() / 2}));   // freq_cis_real
            s.add(new Slot(null, new int[]{c.seqLen(), c.headSize() / 2}));   // freq_cis_imag
        }
        if (!c.sharedClassifier()) s.add(new Slot(LlamaCheckpoint.LM_HEAD, new int[]{v, d}));
        return s;
    }

    private static void perLayer(List<Slot> s, int layers, String suffix, int... shape) {
        for (int i = 0; i < layers; i++) s.add(new Slot(LlamaCheckpoint.layer(i, suffix), shape));
    }

    /**
     * Bytes a file of this config and format must have, computed in closed form (no per-layer list), so that a
     * corrupt header is measured against the file before anything of its size is built. Throws
     * ArithmeticException when the count does not fit a long.
     */
    public static long expectedBytes(LlamaConfig c, Format format) {
        long d = c.dim(), h = c.hiddenDim(), kv = c.kvDim(), v = c.vocabSize();
        // per layer: rms_att, rms_ffn (d each); wq, wo (d·d each); wk, wv (kv·d each); w1, w2, w3 (h·d each)
        long perLayer = add(2 * d, mul(2 * d, d), mul(2 * kv, d), mul(3 * h, d));
        long floats = add(mul(v, d), mul(c.nLayers(), perLayer), d);                  // + embedding, + rms_final
        if (format == Format.LEGACY) floats = add(floats, mul(2L * c.seqLen(), c.headSize() / 2));   // freq_cis
        if (!c.sharedClassifier()) floats = add(floats, mul(v, d));                                   // wcls
        return add(format == Format.LEGACY ? LEGACY_HEADER_BYTES : V1_HEADER_BYTES, mul(floats, 4));
    }

    private static long mul(long a, long b) { return Math.multiplyExact(a, b); }

    private static long add(long... terms) {
        long sum = 0;
        for (long t : terms) sum = Math.addExact(sum, t);
        return sum;
    }

    /** Limits no real llama2.c model comes near; a header beyond them is corrupt, whatever the file's size. */
    public static final int MAX_DIM = 1 << 16, MAX_LAYERS = 1 << 12, MAX_VOCAB = 1 << 22, MAX_SEQ_LEN = 1 << 20;

    // ================================================================================================ reading

    /** Reads either format (told apart by the v1 magic). */
    public static LlamaCheckpoint read(Path file) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw new UnsupportedOperationException("reading llama2.c checkpoints needs a little-endian host");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            if (size < LEGACY_HEADER_BYTES)
                throw new FileFormatException(file, "truncated: expected at least " + LEGACY_HEADER_BYTES
                        + " bytes of header, file has " + size + " bytes");
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Format format;
            LlamaConfig config;
            if (seg.get(INT_LE, 0) == MAGIC) {
                format = Format.V1;
                if (size < V1_HEADER_BYTES)
                    throw new FileFormatException(file, "truncated: expected " + V1_HEADER_BYTES
                            + " bytes of version-1 header, file has " + size + " bytes");
                int version = seg.get(INT_LE, 4);
                if (version != 1)
                    throw new FileFormatException(file, "unsupported llama2.c checkpoint version " + version
                            + " (only version 1, fp32, is supported; version 2 is the int8 Q8_0 export)");
                int vocab = seg.get(INT_LE, 8 + 5 * 4);
                if (vocab <= 0) throw new FileFormatException(file, "vocab_size " + vocab + " must be positive in version 1");
                byte shared = seg.get(ValueLayout.JAVA_BYTE, 8 + 7 * 4);
                if (shared != 0 && shared != 1)
                    throw new FileFormatException(file, "shared_classifier flag is " + shared + ", expected 0 or 1");
                config = config(file, seg, 8, vocab, shared == 1);
            } else {
                format = Format.LEGACY;
                int vocab = seg.get(INT_LE, 5 * 4);
                config = config(file, seg, 0, Math.abs(vocab), vocab > 0);
            }
            long expected;
            try {
                expected = expectedBytes(config, format);
            } catch (ArithmeticException e) {
                throw new FileFormatException(file, "nonsensical config " + config + ": its size overflows");
            }
            if (size != expected)
                throw new FileFormatException(file, (size < expected ? "truncated" : "trailing data")
                        + ": expected " + expected + " bytes for " + format + " checkpoint of " + config
                        + ", file has " + size + " bytes");
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            long at = format == Format.LEGACY ? LEGACY_HEADER_BYTES : V1_HEADER_BYTES;
            for (Slot s : layout(config, format)) {
                long bytes = s.floats() * 4;
                if (s.name() != null) {
                    Tensor t = Tensor.empty(DType.F32, Device.CPU, s.shape());            // shape as in the slot
                    t.backend().copyFromHost(seg.asSlice(at, bytes), t.storage(), 0, bytes);
                    tensors.put(s.name(), t);
                }
                at += bytes;
            }
            if (config.sharedClassifier()) tensors.put(LlamaCheckpoint.LM_HEAD, tensors.get(LlamaCheckpoint.EMBED));
            return new LlamaCheckpoint(config, tensors);
        }
    }

    /** The 7 config ints at {@code offset}, validated; vocab and sharing come decoded from the caller. */
    private static LlamaConfig config(Path file, MemorySegment seg, long offset, int vocab, boolean shared)
            throws FileFormatException {
        int[] v = new int[7];
        for (int i = 0; i < 7; i++) v[i] = seg.get(INT_LE, offset + 4L * i);
        String header = "(dim " + v[0] + ", hidden_dim " + v[1] + ", n_layers " + v[2] + ", n_heads " + v[3]
                + ", n_kv_heads " + v[4] + ", vocab_size " + v[5] + ", seq_len " + v[6] + ")";
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        int[] limits = {MAX_DIM, MAX_DIM, MAX_LAYERS, MAX_DIM, MAX_DIM, MAX_VOCAB, MAX_SEQ_LEN};
        for (int i = 0; i < 7; i++) {
            long value = i == 5 ? vocab : v[i];
            if (value > limits[i])
                throw new FileFormatException(file, "header field " + names[i] + " is " + value + ", over the limit of "
                        + limits[i] + ": the header is corrupt " + header);
        }
        try {
            return LlamaConfig.llama2c(v[0], v[1], v[2], v[3], v[4], vocab, v[6], shared);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, "nonsensical config in header " + header + ": " + e.getMessage(), e);
        }
    }

    // ================================================================================================ writing

    /**
     * Writes the legacy format (run.c can read it); freq_cis holds the interleaved rotary cos/sin tables. As in both
     * formats, lm_head.weight is written only when {@code config.sharedClassifier()} is false. A half-split
     * checkpoint is permuted back to interleaved rows first.
     */
    public static void writeLegacy(Path file, LlamaCheckpoint ckpt) throws IOException { write(file, ckpt, Format.LEGACY); }

    /** Writes the version-1 format. */
    public static void writeV1(Path file, LlamaCheckpoint ckpt) throws IOException { write(file, ckpt, Format.V1); }

    private static void write(Path file, LlamaCheckpoint ckpt, Format format) throws IOException {
        LlamaCheckpoint c = ckpt.withRopeLayout(RopeLayout.INTERLEAVED);   // the files store interleaved q/k rows
        LlamaConfig cfg = c.config();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer header = ByteBuffer.allocate(format == Format.LEGACY ? LEGACY_HEADER_BYTES : V1_HEADER_BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (format == Format.V1) header.putInt(MAGIC).putInt(1);
            int vocab = format == Format.LEGACY && !cfg.sharedClassifier() ? -cfg.vocabSize() : cfg.vocabSize();
            header.putInt(cfg.dim()).putInt(cfg.hiddenDim()).putInt(cfg.nLayers()).putInt(cfg.nHeads())
                    .putInt(cfg.nKvHeads()).putInt(vocab).putInt(cfg.seqLen());
            if (format == Format.V1) header.put((byte) (cfg.sharedClassifier() ? 1 : 0));
            writeFully(ch, header.clear());
            int freqTable = 0;
            for (Slot s : layout(cfg, format)) {
                float[] data;
                if (s.name() == null) data = freqCis(cfg, freqTable++ == 0);
                else {
                    Tensor t = c.get(s.name());
                    if (!java.util.Arrays.equals(t.shape(), s.shape()))
                        throw new IllegalArgumentException(s.name() + " has shape " + java.util.Arrays.toString(t.shape())
                                + ", the config needs " + java.util.Arrays.toString(s.shape()));
                    data = t.toFloatArray();
                }
                ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(data);
                writeFully(ch, buf);
            }
        }
        if (Files.size(file) != expectedBytes(cfg, format))
            throw new IllegalStateException("wrote " + Files.size(file) + " bytes, expected " + expectedBytes(cfg, format));
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** cos (real) or sin (imag) of pos · θ^(−2i/headSize), shape (seq_len, head_size/2), as llama2.c exported them. */
    static float[] freqCis(LlamaConfig c, boolean real) {
        int half = c.headSize() / 2;
        float[] out = new float[c.seqLen() * half];
        for (int pos = 0; pos < c.seqLen(); pos++)
            for (int i = 0; i < half; i++) {
                double angle = pos / Math.pow(c.ropeTheta(), 2.0 * i / c.headSize());
                out[pos * half + i] = (float) (real ? Math.cos(angle) : Math.sin(angle));
            }
        return out;
    }
}

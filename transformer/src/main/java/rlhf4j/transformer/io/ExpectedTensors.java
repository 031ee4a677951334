package rlhf4j.transformer.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.NonFinite;
import rlhf4j.tensor.io.Quote;
import rlhf4j.tensor.io.SafetensorsHeader;

/**
 * Checks a weights file against the tensors a model's config needs (names, shapes, dtypes) before the model or the
 * file's tensors are allocated: a config that says n_embd 65536 beside 64-wide weights is an error in milliseconds,
 * not gigabytes of random initialisation first. Dtypes are never converted silently: float weights must be stored
 * as floats (F32, or F16/BF16, which widen to F32 exactly), never as integers.
 */
public final class ExpectedTensors {
    private ExpectedTensors() {}

    /**
     * Fails when a config needs far more tensors than the file holds, before the list of that many expected names
     * is built (a corrupt layer count can ask for billions); a near miss is left to {@link #checkHeader}, which
     * names the tensor that is missing or extra.
     */
    public static void checkPlausibleCount(Path file, int held, long needed, String config) throws FileFormatException {
        if (needed > 2L * held + 16)
            throw new FileFormatException(file, "holds " + held + " weight tensors but " + config + " needs " + needed);
    }

    /**
     * The header's entries (already renamed as the model names them) against the expected shapes.
     *
     * @param config how the config reads, e.g. "config.json (n_layer 2, n_embd 65536, ...)", for the message
     */
    public static void checkHeader(Path file, Map<String, SafetensorsHeader.Entry> entries, Map<String, int[]> expected,
                                   String config) throws FileFormatException {
        for (var e : expected.entrySet()) {
            SafetensorsHeader.Entry entry = entries.get(e.getKey());
            if (entry == null) throw new FileFormatException(file, "missing tensor " + e.getKey() + " that " + config + " needs");
            if (entry.dtype().loadedAs() != DType.F32)
                throw new FileFormatException(file, "tensor " + e.getKey() + " is stored as " + entry.dtype()
                        + " but is a float weight (F32, F16 or BF16); integer tensors are not converted into weights");
            checkShape(file, e.getKey(), entry.shape(), e.getValue(), config);
        }
        for (String name : entries.keySet())
            if (!expected.containsKey(name))
                throw new FileFormatException(file, "unexpected tensor " + Quote.cap(name) + " for " + config);
    }

    /** Loaded tensors against the expected shapes; every one must be F32 (integer tensors are never converted). */
    public static void checkTensors(Path file, Map<String, Tensor> tensors, Map<String, int[]> expected, String config)
            throws FileFormatException {
        for (var e : expected.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null) throw new FileFormatException(file, "missing tensor " + e.getKey() + " that " + config + " needs");
            if (t.dtype() != DType.F32)
                throw new FileFormatException(file, "tensor " + e.getKey() + " is " + t.dtype() + " but is a float "
                        + "weight; integer tensors are not converted into weights");
            checkShape(file, e.getKey(), t.shape(), e.getValue(), config);
        }
        for (String name : tensors.keySet())
            if (!expected.containsKey(name))
                throw new FileFormatException(file, "unexpected tensor " + Quote.cap(name) + " for " + config);
    }

    private static void checkShape(Path file, String name, int[] shape, int[] expected, String config)
            throws FileFormatException {
        if (!Arrays.equals(shape, expected))
            throw new FileFormatException(file, "tensor " + name + " has shape " + Quote.cap(Arrays.toString(shape))
                    + " but " + config + " needs " + Arrays.toString(expected));
    }

    /** One warning line on stderr when weights hold NaN or infinite values (they load, but compute nothing). */
    public static void warnNonFinite(Path file, Map<String, Tensor> tensors) {
        NonFinite.warning(file.toString(), tensors).ifPresent(System.err::println);
    }
}

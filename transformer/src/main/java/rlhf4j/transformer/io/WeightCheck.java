package rlhf4j.transformer.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import rlhf4j.tensor.Tensor;

/**
 * The strict check every model loader makes before copying a checkpoint's tensors: each tensor the model expects is
 * present with the expected shape and dtype, and there is no tensor the model does not have. A mismatch is a
 * {@link FileFormatException} naming the file, the tensor and the model.
 */
public final class WeightCheck {
    private WeightCheck() {}

    /**
     * @param file     the checkpoint file (named in the message)
     * @param model    what the tensors are for, e.g. "GPT-2 GptConfig[...]" (named in the message)
     * @param expected the model's own state dict
     * @param found    the file's tensors, renamed to the model's names
     */
    public static void check(Path file, String model, Map<String, Tensor> expected, Map<String, Tensor> found)
            throws FileFormatException {
        for (var e : expected.entrySet()) {
            Tensor want = e.getValue(), got = found.get(e.getKey());
            if (got == null)
                throw new FileFormatException(file, "missing tensor " + e.getKey() + " " + Arrays.toString(want.shape()) + " for " + model);
            if (!Arrays.equals(got.shape(), want.shape()))
                throw new FileFormatException(file, "tensor " + e.getKey() + " has shape " + Arrays.toString(got.shape())
                        + " but " + model + " needs " + Arrays.toString(want.shape()));
            if (got.dtype() != want.dtype())
                throw new FileFormatException(file, "tensor " + e.getKey() + " has dtype " + got.dtype() + " but " + model
                        + " needs " + want.dtype());
        }
        for (String name : found.keySet())
            if (!expected.containsKey(name)) throw new FileFormatException(file, "unexpected tensor " + name + " for " + model);
    }
}

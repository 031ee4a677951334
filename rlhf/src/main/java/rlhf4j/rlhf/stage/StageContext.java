package rlhf4j.rlhf.stage;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Objects;
import rlhf4j.tensor.Device;

/**
 * What every stage run shares: where progress bars and messages go, the device the models live on, and what to do
 * with outputs that already exist.
 *
 * @param err    progress bars and messages; null = silent (stored as a stream that discards everything)
 * @param device where models are loaded and trained
 * @param output REFUSE or REPLACE an existing output (see {@link Outputs#prepare})
 */
public record StageContext(PrintStream err, Device device, OutputMode output) {
    public StageContext {
        if (err == null) err = new PrintStream(OutputStream.nullOutputStream());
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(output, "output");
    }

    /** Silent, on the CPU, refusing to overwrite anything. */
    public static StageContext quiet() { return new StageContext(null, Device.CPU, OutputMode.REFUSE); }

    public StageContext withErr(PrintStream err) { return new StageContext(err, device, output); }

    public StageContext withDevice(Device device) { return new StageContext(err, device, output); }

    public StageContext withOutput(OutputMode output) { return new StageContext(err, device, output); }
}

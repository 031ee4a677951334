package rlhf4j.cli;

import picocli.CommandLine.Option;
import rlhf4j.rlhf.stage.OutputMode;
import rlhf4j.rlhf.stage.StageContext;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.Device;

/** What every stage command shares: the device, replacing an existing output, and quiet runs. */
final class StageOptions {
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--overwrite", description = "replace --out when it exists (default: refuse)")
    boolean overwrite;

    @Option(names = "--quiet", description = "no progress bars or messages")
    boolean quiet;

    /** The stage context of these flags (progress on stderr), with the device's backend selected. */
    StageContext context() {
        Device d = Device.parse(device);
        Backends.forDevice(d);
        return new StageContext(quiet ? null : System.err, d, OutputMode.of(overwrite));
    }
}

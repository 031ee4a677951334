package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.nio.file.Path;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Policy;

/**
 * A policy checkpoint to open ({@link Policy#load}): a llama2.c .bin or a GPT-2 / Llama directory, its tokenizer (null:
 * the one in the directory, or the lone tok*.bin beside a .bin), and whether completions end at the stop token
 * (false: every completion has its full length, which takes away a classifier reward's cheapest hack, saying nothing).
 */
public record PolicySource(Path checkpoint, Path tokenizer, boolean stopAtEos) {
    public static PolicySource of(Path checkpoint, Path tokenizer) { return new PolicySource(checkpoint, tokenizer, true); }

    /** A fresh copy of the policy on the device. */
    public Policy load(Device device) throws IOException {
        Policy p = Policy.load(checkpoint, tokenizer, device);
        return stopAtEos ? p : p.withStopToken(-1);
    }
}

package rlhf4j.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The PTX shipped as class-path resources rlhf4j/cuda/ptx/NAME.ptx (built from native/src/main/cuda/NAME.cu by
 * build-ptx.sh). Their first lines record the SHA-256 of the sources they were built from.
 */
final class PtxResources {
    static final String DIR = "rlhf4j/cuda/ptx/";
    /** Every kernel file; each is one CUmodule. */
    static final String[] MODULES = {"adamw", "causal_mask", "copy_fill", "cross_entropy", "elementwise", "indexing",
            "norm", "random", "reduce", "softmax"};

    private PtxResources() {}

    static byte[] read(String module) {
        String path = DIR + module + ".ptx";
        try (InputStream in = PtxResources.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("PTX resource " + path + " is missing from the class path");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path, e);
        }
    }

    /** The NUL-terminated image cuModuleLoadData expects. */
    static byte[] image(String module) {
        byte[] ptx = read(module);
        byte[] image = new byte[ptx.length + 1];
        System.arraycopy(ptx, 0, image, 0, ptx.length);
        return image;
    }

    /** Source file name → SHA-256 recorded in the header of a PTX text ("// source NAME sha256 HEX" lines). */
    static Map<String, String> recordedHashes(byte[] ptx) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : new String(ptx, StandardCharsets.UTF_8).split("\n", 64)) {
            if (!line.startsWith("//")) break;
            String[] w = line.trim().split("\\s+");
            if (w.length == 5 && w[1].equals("source") && w[3].equals("sha256")) out.put(w[2], w[4]);
        }
        return out;
    }
}

package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The arguments each launch in CudaBackend builds must match the kernel's parameter list in the PTX, size for
 * size and int/float kind (a mismatch would read garbage on the GPU, with no error). Checked here from the sources,
 * without a GPU: i32 and f32 are 4-byte params, i64 and ptr 8-byte, layout the 144-byte struct Layout.
 */
class KernelSignatureTest {
    /** A launch in CudaBackend: launch(opName, "module", "kernel", LaunchGeometry..., new KernelArgs()...). */
    static final Pattern LAUNCH = Pattern.compile("launch(?:Indexed)?\\([^;]*?,\\s*\"(\\w+)\",\\s*\"(\\w+)\",\\s*(?=LaunchGeometry)");

    /** "i32", "f32", "8" (a 64-bit integer or pointer) or "L" (a Layout) for each parameter of a PTX entry. */
    static List<String> ptxParams(String module, String kernel) {
        String ptx = new String(PtxResources.read(module), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\\.entry " + kernel + "\\(([^)]*)\\)").matcher(ptx);
        assertTrue(m.find(), kernel + " in " + module + ".ptx");
        List<String> out = new ArrayList<>();
        for (String p : m.group(1).split(",")) {
            p = p.trim();
            if (p.matches("\\.param \\.align 8 \\.b8 \\w+\\[" + KernelLayout.BYTES + "\\]")) out.add("L");
            else if (p.matches("\\.param \\.[usb]32 \\w+")) out.add("i32");
            else if (p.matches("\\.param \\.f32 \\w+")) out.add("f32");
            else if (p.matches("\\.param \\.[usfb]64 \\w+")) out.add("8");
            else fail("unexpected parameter '" + p + "' of " + kernel);
        }
        return out;
    }

    /** The same for the argument chain of a launch call in Java. */
    static List<String> javaArgs(String call) {
        int start = call.indexOf("new KernelArgs()");
        assertTrue(start >= 0, "no KernelArgs in " + call);
        Matcher m = Pattern.compile("\\.(i32|f32|i64|ptr|layout)\\(").matcher(call.substring(start));
        List<String> out = new ArrayList<>();
        while (m.find()) out.add(switch (m.group(1)) {
            case "i32" -> "i32";
            case "f32" -> "f32";
            case "i64", "ptr" -> "8";
            default -> "L";
        });
        return out;
    }

    @Test void everyLaunchPassesWhatItsKernelDeclares() throws Exception {
        String src = Files.readString(PtxSourceHashTest.BACKEND);
        Matcher m = LAUNCH.matcher(src);
        int checked = 0;
        while (m.find()) {
            int depth = 1, i = src.indexOf('(', m.start()) + 1;        // the launch call runs to its matching ')'
            for (; depth > 0; i++) depth += src.charAt(i) == '(' ? 1 : src.charAt(i) == ')' ? -1 : 0;
            String call = src.substring(m.start(), i);
            assertEquals(ptxParams(m.group(1), m.group(2)), javaArgs(call), "arguments of " + m.group(2) + " in " + call);
            checked++;
        }
        assertEquals(27, checked, "every launch site was checked");
    }

    @Test void layoutStructIsTheSizeTheKernelsExpect() {
        assertEquals(List.of("8", "i32", "i32", "L", "8", "L", "8"), ptxParams("copy_fill", "copy_convert"));
        assertEquals(List.of("8", "8", "f32", "f32", "8"), ptxParams("random", "random_uniform"));
    }
}

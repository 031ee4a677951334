package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.ReduceOp;
import rlhf4j.tensor.UnaryOp;

/** The kernels receive Java enum ordinals as op codes: the enums in the .cu files must list the same names in order. */
class OpCodeTest {
    static List<String> cudaEnum(String file, String name) throws Exception {
        String src = Files.readString(PtxSourceHashTest.SOURCES.resolve(file));
        Matcher m = Pattern.compile("enum " + name + "\\s*\\{([^}]*)\\}").matcher(src);
        assertTrue(m.find(), "enum " + name + " in " + file);
        return Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    static List<String> names(Enum<?>[] values) { return Arrays.stream(values).map(Enum::name).toList(); }

    @Test void unaryOps() throws Exception {
        assertEquals(names(UnaryOp.values()), cudaEnum("elementwise.cu", "UnaryOp"));
    }

    @Test void binaryOps() throws Exception {
        // POW is spelled POW2 in CUDA because the unary enum already declares POW in the same scope
        List<String> cuda = cudaEnum("elementwise.cu", "BinaryOp").stream().map(s -> s.equals("POW2") ? "POW" : s).toList();
        assertEquals(names(BinaryOp.values()), cuda);
    }

    @Test void reduceOps() throws Exception {
        assertEquals(names(ReduceOp.values()), cudaEnum("reduce.cu", "ReduceOp"));
    }

    @Test void dtypeCodes() throws Exception {
        String src = Files.readString(PtxSourceHashTest.SOURCES.resolve("copy_fill.cu"));
        assertTrue(src.contains("#define DTYPE_F32 " + DType.F32.ordinal()));
        assertTrue(src.contains("#define DTYPE_I32 " + DType.I32.ordinal()));
    }

    @Test void indexErrorCodes() throws Exception {
        String indexing = Files.readString(PtxSourceHashTest.SOURCES.resolve("indexing.cu"));
        assertTrue(indexing.contains("#define OP_EMBEDDING " + IndexErrors.EMBEDDING + "\n"));
        assertTrue(indexing.contains("#define OP_EMBEDDING_BACKWARD " + IndexErrors.EMBEDDING_BACKWARD + "\n"));
        assertTrue(indexing.contains("#define OP_GATHER " + IndexErrors.GATHER + "\n"));
        assertTrue(indexing.contains("#define OP_SCATTER_ADD " + IndexErrors.SCATTER_ADD + "\n"));
        String ce = Files.readString(PtxSourceHashTest.SOURCES.resolve("cross_entropy.cu"));
        assertTrue(ce.contains("#define OP_CROSS_ENTROPY " + IndexErrors.CROSS_ENTROPY + " "));
    }
}

package rlhf4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.UnaryOp;

/**
 * The direct paths for small tensors (one row kernel on the calling thread, a fused sum of squares) against the
 * general strided walk and plain scalar loops.
 */
class SmallOpPathsTest {

    /** Broadcasts of every kind the direct binary path takes (dense, a bias row, one value) and one it leaves alone. */
    @Test void broadcastBinaryOpsMatchScalarLoops() {
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor a = Tensor.randn(1, 3, 5, 17);
            float[] av = a.toFloatArray();
            for (BinaryOp op : new BinaryOp[]{BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAX}) {
                Tensor row = Tensor.randn(2, 17), one = Tensor.randn(3), column = Tensor.randn(4, 3, 5, 1);
                float[] rv = row.toFloatArray(), cv = column.toFloatArray();
                float ov = one.item();
                float[] withRow = a.binary(op, row).toFloatArray(), rowFirst = row.binary(op, a).toFloatArray();
                float[] withOne = a.binary(op, one).toFloatArray(), withColumn = a.binary(op, column).toFloatArray();
                for (int i = 0; i < av.length; i++) {
                    assertEquals(ScalarMath.binary(op, av[i], rv[i % 17]), withRow[i], op + " row " + i);
                    assertEquals(ScalarMath.binary(op, rv[i % 17], av[i]), rowFirst[i], op + " row first " + i);
                    assertEquals(ScalarMath.binary(op, av[i], ov), withOne[i], op + " value " + i);
                    assertEquals(ScalarMath.binary(op, av[i], cv[i / 17]), withColumn[i], op + " column " + i);
                }
            }
        }
    }

    /** A small dense unary op gives the bits of the same op on a strided view of the same values. */
    @Test void smallDenseUnaryMatchesTheStridedWalk() {
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor x = Tensor.randn(5, 19, 23);
            Tensor strided = x.mT().contiguous().mT();   // the same values, column-major
            for (UnaryOp op : new UnaryOp[]{UnaryOp.GELU, UnaryOp.EXP, UnaryOp.SQUARE, UnaryOp.SCALE}) {
                assertArrayEquals(strided.unary(op, 0.5).toFloatArray(), x.unary(op, 0.5).toFloatArray(), op.name());
            }
        }
    }

    /** The fused Σx² has the bits of square().sum() (one chunk and many), and agrees with a double sum. */
    @Test void sumOfSquaresEqualsSquareThenSum() {
        try (MemoryScope scope = MemoryScope.open()) {
            for (int n : new int[]{1, 10, 17, 4096, 100_003}) {
                Tensor g = Tensor.randn(n, n);
                assertEquals(g.square().sum().item(), g.sumOfSquares().item(), "n = " + n);
                double exact = 0;
                for (float v : g.toFloatArray()) exact += (double) v * v;
                assertEquals(exact, g.sumOfSquares().item(), 1e-5 * exact, "n = " + n);
            }
            Tensor view = Tensor.randn(7, 30, 40).mT();   // strided: squared, then summed
            assertEquals(view.contiguous().sumOfSquares().item(), view.sumOfSquares().item(), 1e-3f);
        }
    }
}

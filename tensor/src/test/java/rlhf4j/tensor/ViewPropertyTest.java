package rlhf4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property tests of view and stride semantics: random shapes (rank 0–4, with size-1 and size-0 dims) and random
 * chains of views applied both to a {@link Tensor} and to the naive {@link Dense} reference, compared element by
 * element after every step; then broadcasting binary ops and reductions against naive NumPy-rule references.
 * The seeds are fixed, so every run checks the same cases; a failure message starts with its seed and step.
 */
class ViewPropertyTest {
    static final int STEPS = 12;
    static final int MAX_NUMEL = 600;

    static LongStream seeds() { return LongStream.rangeClosed(1, 250); }

    // ================================================================================================ views

    @ParameterizedTest(name = "seed {0}") @MethodSource("seeds")
    void randomChainsOfViewsMatchTheDenseReference(long seed) {
        Random rnd = new Random(seed);
        try (MemoryScope scope = MemoryScope.open()) {
            Dense ref = randomDense(rnd, randomShape(rnd, 4));
            Tensor t = randomLayout(rnd, ref);
            List<String> log = new ArrayList<>(List.of("start " + Arrays.toString(ref.shape())));
            for (int step = 0; step < STEPS; step++) {
                Step s = randomStep(rnd, t, ref);
                log.add(s.description);
                String ctx = "seed " + seed + " step " + step + ": " + String.join(" → ", log);
                if (s.view) assertSame(t.storage(), s.tensor.storage(), ctx + ": a view must not copy");
                assertMatches(s.tensor, s.ref, ctx);
                t = s.tensor;
                ref = s.ref;
            }
        }
    }

    record Step(Tensor tensor, Dense ref, String description, boolean view) {}

    /** The stride of a size-1 dim must not stop a view from merging the dims around it. */
    @Test void viewMergesAcrossASizeOneDimWhateverItsStride() {
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor base = Tensor.of(0, 1, 2, 3, 4, 5);
            Tensor t = new Tensor(base.storage(), DType.F32, new int[]{2, 1, 3}, new long[]{3, 77, 1}, 0);
            Tensor flat = t.view(6);
            assertSame(base.storage(), flat.storage());
            assertArrayEquals(new float[]{0, 1, 2, 3, 4, 5}, flat.toFloatArray());
            assertArrayEquals(new float[]{0, 1, 2, 3, 4, 5}, t.view(3, 2).toFloatArray());
        }
    }

    private static Step randomStep(Random rnd, Tensor t, Dense ref) {
        int r = ref.rank();
        int[] shape = ref.shape();
        while (true) {
            switch (rnd.nextInt(12)) {
                case 0 -> {     // view: must succeed exactly when some strides reproduce the elements' offsets
                    int[] target = rnd.nextBoolean() ? randomShapeWithCount(rnd, Dense.count(shape))
                            : mergeAndSplit(rnd, shape);
                    int[] asked = maybeInferOne(rnd, target);
                    boolean possible = viewIsPossible(t, target);
                    Tensor v;
                    try {
                        v = t.view(asked);
                    } catch (IllegalArgumentException e) {
                        assertFalse(possible, "view " + Arrays.toString(asked) + " of " + t + " strides "
                                + Arrays.toString(t.strides()) + " was refused but strides exist: " + e.getMessage());
                        continue;
                    }
                    assertTrue(possible, "view " + Arrays.toString(asked) + " of " + t + " strides "
                            + Arrays.toString(t.strides()) + " succeeded but no strides can give it");
                    return new Step(v, ref.reshape(target), "view" + Arrays.toString(asked), true);
                }
                case 1 -> {     // reshape: a view when possible, a copy otherwise
                    int[] target = rnd.nextBoolean() ? randomShapeWithCount(rnd, Dense.count(shape))
                            : mergeAndSplit(rnd, shape);
                    int[] asked = maybeInferOne(rnd, target);
                    boolean possible = viewIsPossible(t, target);
                    Tensor v = t.reshape(asked);
                    if (!possible) assertNotSame(t.storage(), v.storage(), "reshape " + Arrays.toString(asked) + " must copy");
                    return new Step(v, ref.reshape(target), "reshape" + Arrays.toString(asked), possible);
                }
                case 2 -> {
                    if (r < 1) continue;
                    int a = rnd.nextInt(r), b = rnd.nextInt(r);
                    return new Step(t.transpose(negate(rnd, a, r), negate(rnd, b, r)), ref.transpose(a, b),
                            "transpose(" + a + "," + b + ")", true);
                }
                case 3 -> {
                    int[] order = shuffled(rnd, r);
                    int[] asked = order.clone();
                    for (int k = 0; k < r; k++) asked[k] = negate(rnd, order[k], r);
                    return new Step(t.permute(asked), ref.permute(order), "permute" + Arrays.toString(asked), true);
                }
                case 4 -> {
                    if (r < 1) continue;
                    int d = rnd.nextInt(r);
                    int start = rnd.nextInt(shape[d] + 1), room = shape[d] - start;
                    int length = room > 0 && rnd.nextInt(8) > 0 ? 1 + rnd.nextInt(room) : rnd.nextInt(room + 1);
                    return new Step(t.narrow(negate(rnd, d, r), start, length), ref.narrow(d, start, length),
                            "narrow(" + d + "," + start + "," + length + ")", true);
                }
                case 5 -> {
                    if (r < 1) continue;
                    int d = rnd.nextInt(r);
                    if (shape[d] == 0) continue;
                    int i = rnd.nextInt(shape[d]);
                    int asked = rnd.nextBoolean() ? i : i - shape[d];
                    return new Step(t.select(negate(rnd, d, r), asked), ref.select(d, i),
                            "select(" + d + "," + asked + ")", true);
                }
                case 6 -> {     // expand size-1 dims (to any size, 0 included) and add up to two leading dims
                    int lead = r >= 5 ? 0 : rnd.nextInt(3);
                    int[] target = new int[lead + r];
                    int[] asked = new int[lead + r];
                    for (int k = 0; k < lead; k++) target[k] = asked[k] = smallDim(rnd);
                    for (int k = 0; k < r; k++) {
                        target[lead + k] = shape[k] == 1 ? smallDim(rnd) : shape[k];
                        asked[lead + k] = target[lead + k] == shape[k] && rnd.nextInt(3) == 0 ? -1 : target[lead + k];
                    }
                    if (Dense.count(target) > MAX_NUMEL) continue;
                    return new Step(t.expand(asked), ref.expand(target), "expand" + Arrays.toString(asked), true);
                }
                case 7 -> {
                    List<Integer> ones = new ArrayList<>();
                    for (int k = 0; k < r; k++) if (shape[k] == 1) ones.add(k);
                    if (ones.isEmpty()) continue;
                    int d = ones.get(rnd.nextInt(ones.size()));
                    return new Step(t.squeeze(negate(rnd, d, r)), ref.squeeze(d), "squeeze(" + d + ")", true);
                }
                case 8 -> {
                    if (r >= 6) continue;
                    int d = rnd.nextInt(r + 1);
                    int asked = rnd.nextBoolean() ? d : d - r - 1;
                    return new Step(t.unsqueeze(asked), ref.unsqueeze(d), "unsqueeze(" + asked + ")", true);
                }
                case 9 -> {
                    Tensor c = t.contiguous();
                    assertTrue(c.isContiguous(), "contiguous() of " + t);
                    if (t.isContiguous()) assertSame(t, c, "contiguous() of a contiguous tensor is itself");
                    else assertNotSame(t.storage(), c.storage());
                    return new Step(c, ref, "contiguous", t.isContiguous());
                }
                case 10 -> {    // the stride of a size-1 dim is never used to find an element, so any value is valid
                    if (!Arrays.stream(shape).anyMatch(size -> size == 1)) continue;
                    return new Step(oddStridesOnSizeOneDims(rnd, t), ref, "restride size-1 dims", true);
                }
                default -> {
                    if (r < 2) continue;
                    return new Step(t.mT(), ref.transpose(r - 2, r - 1), "mT", true);
                }
            }
        }
    }

    /**
     * Brute force: a view of t as shape s exists iff some strides map every index of s, taken in row-major order, to
     * the storage offset of t's element at the same row-major position. The only candidate stride of a dim is the
     * offset step of its unit index; then every element is checked.
     */
    static boolean viewIsPossible(Tensor t, int[] s) {
        long[] offsets = elementOffsets(t);
        if (offsets.length == 0) return true;
        long[] strides = new long[s.length];
        for (int d = 0; d < s.length; d++) {
            if (s[d] < 2) continue;
            int[] unit = new int[s.length];
            unit[d] = 1;
            strides[d] = offsets[Dense.linear(s, unit)] - offsets[0];
        }
        boolean[] ok = {true};
        Dense.forEachIndex(s, idx -> {
            long expected = offsets[0];
            for (int d = 0; d < s.length; d++) expected += idx[d] * strides[d];
            if (offsets[Dense.linear(s, idx)] != expected) ok[0] = false;
        });
        return ok[0];
    }

    /** Storage offset of every element of t, in row-major order. */
    static long[] elementOffsets(Tensor t) {
        int[] shape = t.shape();
        long[] st = t.strides();
        long[] out = new long[(int) t.numel()];
        Dense.forEachIndex(shape, idx -> {
            long o = t.offset();
            for (int d = 0; d < idx.length; d++) o += idx[d] * st[d];
            out[Dense.linear(shape, idx)] = o;
        });
        return out;
    }

    // ================================================================================================ broadcasting

    static final BinaryOp[] BINARY = {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAX,
            BinaryOp.MIN, BinaryOp.EQ, BinaryOp.GT, BinaryOp.LT};

    @ParameterizedTest(name = "seed {0}") @MethodSource("seeds")
    void broadcastingBinaryOpsFollowNumPyRules(long seed) {
        Random rnd = new Random(seed);
        try (MemoryScope scope = MemoryScope.open()) {
            for (int trial = 0; trial < 4; trial++) {
                int[] sa, sb;
                if (rnd.nextInt(4) == 0) {          // unrelated shapes: compatible or not, the rule decides
                    sa = randomShape(rnd, 4);
                    sb = randomShape(rnd, 4);
                } else {                            // both derived from one shape, so usually compatible
                    int[] full = randomShape(rnd, 4);
                    sa = broadcastableFrom(rnd, full);
                    sb = broadcastableFrom(rnd, full);
                }
                Dense a = randomDense(rnd, sa), b = randomDense(rnd, sb);
                Tensor ta = randomLayout(rnd, a), tb = randomLayout(rnd, b);
                BinaryOp op = BINARY[rnd.nextInt(BINARY.length)];
                String ctx = "seed " + seed + " trial " + trial + ": " + op + " " + Arrays.toString(sa) + " "
                        + Arrays.toString(sb);
                int[] expectedShape = numpyBroadcast(sa, sb);
                if (expectedShape == null) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ta.binary(op, tb), ctx);
                    assertTrue(e.getMessage().contains(Arrays.toString(sa)) && e.getMessage().contains(Arrays.toString(sb)),
                            ctx + ": message should name both shapes: " + e.getMessage());
                    continue;
                }
                Dense want = Dense.build(expectedShape,
                        idx -> apply(op, a.at(sourceIndex(sa, idx)), b.at(sourceIndex(sb, idx))));
                assertMatches(ta.binary(op, tb), want, ctx);
            }
        }
    }

    /** NumPy broadcasting, written out: align from the right; each pair of dims must be equal or contain a 1. */
    static int[] numpyBroadcast(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int k = 1; k <= rank; k++) {
            int da = k <= a.length ? a[a.length - k] : 1, db = k <= b.length ? b[b.length - k] : 1;
            if (da != db && da != 1 && db != 1) return null;
            out[rank - k] = da == 1 ? db : da;
        }
        return out;
    }

    /** The element of an operand of shape s that output index idx reads: missing and size-1 dims read index 0. */
    static int[] sourceIndex(int[] s, int[] idx) {
        int[] src = new int[s.length];
        int lead = idx.length - s.length;
        for (int k = 0; k < s.length; k++) src[k] = s[k] == 1 ? 0 : idx[lead + k];
        return src;
    }

    static float apply(BinaryOp op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case MAX -> x >= y ? x : y;
            case MIN -> x <= y ? x : y;
            case EQ -> x == y ? 1 : 0;
            case GT -> x > y ? 1 : 0;
            case LT -> x < y ? 1 : 0;
            case POW -> throw new AssertionError("not generated");
        };
    }

    /** A shape that broadcasts to full: a suffix of it, some dims replaced by 1. */
    static int[] broadcastableFrom(Random rnd, int[] full) {
        int rank = rnd.nextInt(full.length + 1);
        int[] s = Arrays.copyOfRange(full, full.length - rank, full.length);
        for (int k = 0; k < rank; k++) if (rnd.nextInt(3) == 0) s[k] = 1;
        return s;
    }

    // ================================================================================================ reductions

    @ParameterizedTest(name = "seed {0}") @MethodSource("seeds")
    void reductionsOverRandomDimSubsetsMatchNaiveLoops(long seed) {
        Random rnd = new Random(seed);
        try (MemoryScope scope = MemoryScope.open()) {
            for (int trial = 0; trial < 4; trial++) {
                Dense x = randomDense(rnd, randomShape(rnd, 4));
                Tensor t = randomLayout(rnd, x);
                int r = x.rank();
                boolean keepDim = rnd.nextBoolean();
                ReduceOp op = ReduceOp.values()[rnd.nextInt(ReduceOp.values().length)];
                boolean[] reduced = new boolean[r];
                int[] asked;
                if (op == ReduceOp.ARGMAX) {
                    if (r == 0) continue;
                    int d = rnd.nextInt(r);
                    reduced[d] = true;
                    asked = new int[]{negate(rnd, d, r)};
                } else {
                    List<Integer> dims = new ArrayList<>();
                    for (int d : shuffled(rnd, r)) if (rnd.nextBoolean()) dims.add(negate(rnd, d, r));
                    asked = dims.stream().mapToInt(Integer::intValue).toArray();
                    for (int d : asked) reduced[d < 0 ? d + r : d] = true;
                    if (asked.length == 0) Arrays.fill(reduced, true);   // no dims given means every dim
                }
                String ctx = "seed " + seed + " trial " + trial + ": " + op + " of " + Arrays.toString(x.shape())
                        + " over " + Arrays.toString(asked) + (keepDim ? " keepDim" : "");

                int[] kept = x.shape().clone();
                long count = 1;
                for (int d = 0; d < r; d++) if (reduced[d]) { count *= kept[d]; kept[d] = 1; }
                if (count == 0 && op != ReduceOp.SUM && op != ReduceOp.MEAN) continue;   // max of nothing: undefined
                Dense want = Dense.build(kept, outIdx -> naiveReduce(op, x, reduced, outIdx));
                if (!keepDim) {
                    int[] dropped = new int[r - countTrue(reduced)];
                    for (int d = 0, j = 0; d < r; d++) if (!reduced[d]) dropped[j++] = x.shape()[d];
                    want = want.reshape(dropped);
                }
                Tensor got = t.reduce(op, keepDim, asked);
                assertEquals(op == ReduceOp.ARGMAX ? DType.I32 : DType.F32, got.dtype(), ctx);
                assertMatches(got.to(DType.F32), want, ctx);
            }
        }
    }

    /** Reduces x over the marked dims, at the output position outIdx (reduced dims of outIdx are 0). */
    static double naiveReduce(ReduceOp op, Dense x, boolean[] reduced, int[] outIdx) {
        int r = x.rank();
        int[] sub = new int[r];   // the extent of the reduced sub-block
        for (int d = 0; d < r; d++) sub[d] = reduced[d] ? x.shape()[d] : 1;
        double sum = 0, best = op == ReduceOp.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        int position = 0, bestPosition = -1;
        long n = Dense.count(sub);
        int[] idx = new int[r];
        for (int k = 0; k < n; k++, position++) {
            int rest = k;   // decode k into the sub-block, row-major
            for (int d = r - 1; d >= 0; d--) {
                idx[d] = reduced[d] ? outIdx[d] + rest % sub[d] : outIdx[d];
                rest /= sub[d];
            }
            float v = x.at(idx);
            sum += v;
            boolean better = op == ReduceOp.MIN ? v < best : v > best;
            if (better) { best = v; bestPosition = position; }
        }
        return switch (op) {
            case SUM -> sum;
            case MEAN -> sum / n;
            case MAX, MIN -> best;
            case ARGMAX -> bestPosition;
        };
    }

    // ================================================================================================ helpers

    /** Every element of t equals ref's: read by the backend (toFloatArray) and by offset arithmetic (get). */
    static void assertMatches(Tensor t, Dense ref, String ctx) {
        assertArrayEquals(ref.shape(), t.shape(), ctx + ": shape");
        assertEquals(t.dim(), t.strides().length, ctx);
        float[] flat = t.toFloatArray();
        assertEquals(ref.data().length, flat.length, ctx + ": element count");
        for (int i = 0; i < flat.length; i++)
            if (Float.compare(ref.data()[i], flat[i]) != 0)
                fail(ctx + ": element " + i + " is " + flat[i] + ", expected " + ref.data()[i] + "\n  tensor " + t
                        + " offset " + t.offset() + "\n  reference " + ref);
        Dense.forEachIndex(ref.shape(), idx -> {
            float v = t.get(idx);
            if (Float.compare(ref.at(idx), v) != 0)
                fail(ctx + ": get" + Arrays.toString(idx) + " is " + v + ", expected " + ref.at(idx));
        });
    }

    /** Rank 0..maxRank, dims 0..4 with size 1 frequent and size 0 occasional. */
    static int[] randomShape(Random rnd, int maxRank) {
        int[] s = new int[rnd.nextInt(maxRank + 1)];
        for (int k = 0; k < s.length; k++) s[k] = rnd.nextInt(20) == 0 ? 0 : smallDim(rnd);
        return s;
    }

    /** 1 to 4, with 1 (the size that broadcasts and squeezes) a third of the time. */
    static int smallDim(Random rnd) {
        return rnd.nextInt(3) == 0 ? 1 : 2 + rnd.nextInt(3);
    }

    /** Distinct-ish values that are exact in float: quarters in [-8, 8], no zero (so division is safe). */
    static Dense randomDense(Random rnd, int[] shape) {
        return Dense.build(shape, idx -> {
            int q = rnd.nextInt(32) - 16;
            return (q >= 0 ? q + 1 : q) / 4.0;
        });
    }

    /** The values of d as a tensor laid out contiguously, transposed in memory, or as a window of a larger one. */
    static Tensor randomLayout(Random rnd, Dense d) {
        int r = d.rank();
        int kind = rnd.nextInt(3);
        if (kind == 1 && r >= 2) {
            int a = rnd.nextInt(r), b = (a + 1 + rnd.nextInt(r - 1)) % r;
            Dense swapped = d.transpose(a, b);
            return Tensor.of(swapped.data(), swapped.shape()).transpose(a, b);
        }
        if (kind == 2 && r >= 1) {
            int p = rnd.nextInt(r);   // pad one dim on both sides with NaN, then narrow the padding away
            int[] big = d.shape().clone();
            big[p] += 2;
            Dense padded = Dense.build(big, idx -> {
                if (idx[p] == 0 || idx[p] == big[p] - 1) return Float.NaN;   // must never be read
                int[] inner = idx.clone();
                inner[p] -= 1;
                return d.at(inner);
            });
            return Tensor.of(padded.data(), big).narrow(p, 1, d.shape()[p]);
        }
        Tensor t = Tensor.of(d.data(), d.shape());
        return rnd.nextBoolean() ? t : oddStridesOnSizeOneDims(rnd, t);
    }

    /** The same elements, with random strides on the size-1 dims (as PyTorch can produce, e.g. by transpose). */
    static Tensor oddStridesOnSizeOneDims(Random rnd, Tensor t) {
        int[] shape = t.shape();
        long[] strides = t.strides();
        for (int d = 0; d < shape.length; d++) if (shape[d] == 1) strides[d] = rnd.nextInt(50);
        return new Tensor(t.storage(), t.dtype(), shape, strides, t.offset());
    }

    /** A random shape holding exactly n elements (rank 0..4, 1s inserted freely; at least one 0 when n is 0). */
    static int[] randomShapeWithCount(Random rnd, long n) {
        List<Integer> dims = new ArrayList<>();
        if (n == 0) {
            int rank = 1 + rnd.nextInt(4);
            for (int k = 0; k < rank; k++) dims.add(rnd.nextInt(4));
            dims.set(rnd.nextInt(rank), 0);
        } else {
            long m = n;
            for (int p = 2; m > 1; p++) while (m % p == 0) { dims.add(p); m /= p; }   // prime factors
            while (dims.size() > 4) {   // merge random pairs until at most 4 dims remain
                int i = rnd.nextInt(dims.size()), j = rnd.nextInt(dims.size());
                if (i == j) continue;
                dims.set(i, dims.get(i) * dims.get(j));
                dims.remove(j);
            }
            if (dims.size() > 1 && rnd.nextBoolean()) {
                int i = rnd.nextInt(dims.size()), j = rnd.nextInt(dims.size());
                if (i != j) { dims.set(i, dims.get(i) * dims.get(j)); dims.remove(j); }
            }
            while (dims.size() < 4 && rnd.nextInt(3) == 0) dims.add(rnd.nextInt(dims.size() + 1), 1);
            java.util.Collections.shuffle(dims, rnd);
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The shape with a run of adjacent dims merged into one, then maybe one dim split in two: typical views. */
    static int[] mergeAndSplit(Random rnd, int[] shape) {
        List<Integer> dims = new ArrayList<>();
        for (int d : shape) dims.add(d);
        if (dims.size() >= 2) {
            int i = rnd.nextInt(dims.size() - 1), j = i + 1 + rnd.nextInt(dims.size() - 1 - i);   // merge i..j
            int merged = 1;
            for (int k = i; k <= j; k++) merged *= dims.get(k);
            for (int k = j; k > i; k--) dims.remove(k);
            dims.set(i, merged);
        }
        if (!dims.isEmpty() && rnd.nextBoolean()) {
            int i = rnd.nextInt(dims.size()), size = dims.get(i);
            List<Integer> divisors = new ArrayList<>();
            for (int a = 1; a <= size; a++) if (size % a == 0) divisors.add(a);
            int a = divisors.isEmpty() ? 0 : divisors.get(rnd.nextInt(divisors.size()));   // size 0 splits as (0, k)
            dims.set(i, a == 0 ? 0 : size / a);
            dims.add(i, a == 0 ? rnd.nextInt(3) : a);
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Sometimes replaces one dim with −1, to be inferred (never for zero elements, where it is ambiguous). */
    static int[] maybeInferOne(Random rnd, int[] s) {
        int[] asked = s.clone();
        if (s.length > 0 && Dense.count(s) > 0 && rnd.nextInt(3) == 0) asked[rnd.nextInt(s.length)] = -1;
        return asked;
    }

    static int[] shuffled(Random rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1), tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /** d or its negative alias d − rank, at random. */
    static int negate(Random rnd, int d, int rank) { return rnd.nextBoolean() ? d : d - rank; }

    static int countTrue(boolean[] b) {
        int n = 0;
        for (boolean x : b) if (x) n++;
        return n;
    }
}

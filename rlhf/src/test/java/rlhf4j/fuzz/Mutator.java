package rlhf4j.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded mutations of a file's bytes, the kinds that corrupt real files and that parsers get wrong: bit flips,
 * random bytes, boundary integers written over binary header fields, inserted, deleted, duplicated and spliced
 * ranges, truncation, and text-aware edits for JSON and line formats (numbers replaced by boundary literals, invalid
 * UTF-8, broken structure, a string replaced by another JSON type, lines dropped or repeated). Everything depends
 * only on the {@link SplittableRandom} passed in, so a case is reproduced from its seed.
 */
final class Mutator {
    private Mutator() {}

    private static final int[] INTERESTING_INTS = {0, 1, -1, 2, 7, 8, 255, 256, 65535, 65536, Integer.MAX_VALUE,
            Integer.MIN_VALUE, 1 << 30, 1 << 24, -64};
    private static final long[] INTERESTING_LONGS = {0, 1, 7, 8, 9, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32,
            100_000_000, 100_000_001, 1L << 40};
    private static final String[] INTERESTING_NUMBERS = {"0", "-1", "1", "0.5", "0.9", "1.7", "-0", "2147483647",
            "2147483648", "-2147483649", "9223372036854775808", "1e9", "1e400", "1e-400", "4294967296", "65536",
            "1073741829", "1E2", "00", "NaN", "Infinity", "-", "1.", ".5", "1e99999999999"};
    private static final byte[][] INVALID_UTF8 = {{(byte) 0xFF}, {(byte) 0xC3}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0x80},
            {(byte) 0xE2, (byte) 0x82}};
    private static final String[] JSON_VALUES = {"null", "true", "[]", "{}", "[1,2]", "{\"a\":1}", "\"\"", "-1", "1.5",
            "\"\\u0000\"", "\"\\ud800\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};
    private static final byte[] STRUCTURE = "{}[]\",:\n\\ ".getBytes(StandardCharsets.US_ASCII);

    /** One to four stacked mutations of {@code input}; {@code donor} is another file of the same kind to splice from. */
    static byte[] mutate(byte[] input, byte[] donor, SplittableRandom rng) {
        byte[] out = input;
        int rounds = 1 + (rng.nextInt(8) == 0 ? rng.nextInt(3) + 1 : 0);
        for (int i = 0; i < rounds; i++) out = mutateOnce(out, donor, rng);
        return out;
    }

    static byte[] mutateOnce(byte[] in, byte[] donor, SplittableRandom rng) {
        if (in.length == 0) return randomBytes(rng, 1 + rng.nextInt(16));
        return switch (rng.nextInt(15)) {
            case 0 -> flipBits(in, rng);
            case 1 -> setBytes(in, rng);
            case 2 -> interestingInt(in, rng);
            case 3 -> interestingLong(in, rng);
            case 4 -> insert(in, rng.nextInt(in.length + 1), randomBytes(rng, 1 + rng.nextInt(16)));
            case 5 -> delete(in, rng);
            case 6 -> Arrays.copyOf(in, rng.nextInt(in.length));                       // truncation
            case 7 -> splice(in, donor, rng);
            case 8 -> duplicate(in, rng);
            case 9 -> replaceNumber(in, rng);
            case 10 -> insert(in, rng.nextInt(in.length + 1), INVALID_UTF8[rng.nextInt(INVALID_UTF8.length)]);
            case 11 -> structure(in, rng);
            case 12 -> replaceString(in, rng);
            case 13 -> lines(in, rng);
            default -> insert(in, in.length, randomBytes(rng, 1 + rng.nextInt(64)));     // trailing garbage
        };
    }

    private static byte[] randomBytes(SplittableRandom rng, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) rng.nextInt(256);
        return b;
    }

    private static byte[] flipBits(byte[] in, SplittableRandom rng) {
        byte[] out = in.clone();
        int flips = 1 + rng.nextInt(4);
        for (int i = 0; i < flips; i++) {
            int at = headerBiased(out.length, rng);
            out[at] ^= (byte) (1 << rng.nextInt(8));
        }
        return out;
    }

    private static byte[] setBytes(byte[] in, SplittableRandom rng) {
        byte[] out = in.clone();
        int n = 1 + rng.nextInt(4);
        for (int i = 0; i < n; i++) out[headerBiased(out.length, rng)] = (byte) rng.nextInt(256);
        return out;
    }

    /** A position, half the time within the first 64 bytes where binary headers keep their fields. */
    private static int headerBiased(int length, SplittableRandom rng) {
        return rng.nextBoolean() ? rng.nextInt(Math.min(length, 64)) : rng.nextInt(length);
    }

    /** A boundary value, or the field's own value changed a little or by a high bit, as a little-endian int. */
    private static byte[] interestingInt(byte[] in, SplittableRandom rng) {
        if (in.length < 4) return flipBits(in, rng);
        byte[] out = in.clone();
        int at = rng.nextBoolean() ? 4 * rng.nextInt(Math.min(in.length / 4, 16)) : rng.nextInt(in.length - 3);
        ByteBuffer le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int old = le.getInt(at);
        int value = switch (rng.nextInt(4)) {
            case 0 -> old + (rng.nextBoolean() ? 1 : -1);
            case 1 -> old ^ (1 << rng.nextInt(32));
            case 2 -> -old;
            default -> INTERESTING_INTS[rng.nextInt(INTERESTING_INTS.length)];
        };
        le.putInt(at, value);
        return out;
    }

    private static byte[] interestingLong(byte[] in, SplittableRandom rng) {
        if (in.length < 8) return interestingInt(in, rng);
        byte[] out = in.clone();
        int at = rng.nextBoolean() ? 0 : rng.nextInt(in.length - 7);
        ByteBuffer le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        long old = le.getLong(at);
        le.putLong(at, rng.nextBoolean() ? old + rng.nextInt(-8, 9) : INTERESTING_LONGS[rng.nextInt(INTERESTING_LONGS.length)]);
        return out;
    }

    static byte[] insert(byte[] in, int at, byte[] what) {
        byte[] out = new byte[in.length + what.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(in, at, out, at + what.length, in.length - at);
        return out;
    }

    private static byte[] replace(byte[] in, int from, int to, byte[] what) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + what.length);
        out.write(in, 0, from);
        out.writeBytes(what);
        out.write(in, to, in.length - to);
        return out.toByteArray();
    }

    private static byte[] delete(byte[] in, SplittableRandom rng) {
        int from = rng.nextInt(in.length);
        int to = Math.min(in.length, from + 1 + rng.nextInt(rng.nextBoolean() ? 4 : 64));
        return replace(in, from, to, new byte[0]);
    }

    private static byte[] splice(byte[] in, byte[] donor, SplittableRandom rng) {
        if (donor.length == 0) return delete(in, rng);
        int from = rng.nextInt(donor.length), n = 1 + rng.nextInt(Math.min(256, donor.length - from));
        int at = rng.nextInt(in.length), end = Math.min(in.length, at + (rng.nextBoolean() ? n : 0));
        return replace(in, at, end, Arrays.copyOfRange(donor, from, from + n));
    }

    private static byte[] duplicate(byte[] in, SplittableRandom rng) {
        int from = rng.nextInt(in.length), n = 1 + rng.nextInt(Math.min(128, in.length - from));
        return insert(in, rng.nextInt(in.length + 1), Arrays.copyOfRange(in, from, from + n));
    }

    /** The digits (with sign, point and exponent) around a random position, replaced by a boundary literal. */
    private static byte[] replaceNumber(byte[] in, SplittableRandom rng) {
        int start = rng.nextInt(in.length);
        int digit = -1;
        for (int k = 0; k < in.length && digit < 0; k++) if (isDigit(in[(start + k) % in.length])) digit = (start + k) % in.length;
        if (digit < 0) return structure(in, rng);
        int from = digit, to = digit;
        while (from > 0 && isNumberChar(in[from - 1])) from--;
        while (to < in.length && isNumberChar(in[to])) to++;
        String literal = INTERESTING_NUMBERS[rng.nextInt(INTERESTING_NUMBERS.length)];
        return replace(in, from, to, literal.getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean isDigit(byte b) { return b >= '0' && b <= '9'; }

    private static boolean isNumberChar(byte b) { return isDigit(b) || b == '-' || b == '.' || b == 'e' || b == 'E' || b == '+'; }

    /** A JSON structural character deleted, inserted or replaced. */
    private static byte[] structure(byte[] in, SplittableRandom rng) {
        byte c = STRUCTURE[rng.nextInt(STRUCTURE.length)];
        int at = rng.nextInt(in.length);
        for (int k = 0; k < in.length; k++) {
            int i = (at + k) % in.length;
            if (Arrays.binarySearch(sortedStructure(), in[i]) >= 0) { at = i; break; }
        }
        return switch (rng.nextInt(3)) {
            case 0 -> replace(in, at, at + 1, new byte[0]);
            case 1 -> insert(in, at, new byte[]{c});
            default -> replace(in, at, at + 1, new byte[]{c});
        };
    }

    private static byte[] sortedStructure() {
        byte[] s = STRUCTURE.clone();
        Arrays.sort(s);
        return s;
    }

    /** A quoted string replaced by another JSON value, or by a long string (up to 100,000 characters). */
    private static byte[] replaceString(byte[] in, SplittableRandom rng) {
        int start = rng.nextInt(in.length), open = -1;
        for (int k = 0; k < in.length && open < 0; k++) if (in[(start + k) % in.length] == '"') open = (start + k) % in.length;
        if (open < 0) return structure(in, rng);
        int close = open + 1;
        while (close < in.length && in[close] != '"') close += in[close] == '\\' ? 2 : 1;
        if (close >= in.length) return structure(in, rng);
        String value = rng.nextInt(8) == 0 ? "\"" + "x".repeat(1 + rng.nextInt(100_000)) + "\""
                : JSON_VALUES[rng.nextInt(JSON_VALUES.length)];
        return replace(in, open, close + 1, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A line deleted, repeated, or swapped with the next. */
    private static byte[] lines(byte[] in, SplittableRandom rng) {
        String text = new String(in, StandardCharsets.ISO_8859_1);   // one char per byte: the bytes survive
        String[] lines = text.split("\n", -1);
        if (lines.length < 2) return duplicate(in, rng);
        java.util.List<String> list = new java.util.ArrayList<>(Arrays.asList(lines));
        int i = rng.nextInt(list.size() - 1);
        switch (rng.nextInt(3)) {
            case 0 -> list.remove(i);
            case 1 -> list.add(i, list.get(i));
            default -> list.set(i + 1, list.set(i, list.get(i + 1)));
        }
        return String.join("\n", list).getBytes(StandardCharsets.ISO_8859_1);
    }
}

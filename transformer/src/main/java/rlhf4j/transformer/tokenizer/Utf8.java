package rlhf4j.transformer.tokenizer;

/** Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
final class Utf8 {
    private Utf8() {}

    /** Length (1..4) of the well-formed UTF-8 sequence starting at {@code i}, or 0 when it is malformed. */
    static int validLength(byte[] s, int i) {
        int b0 = s[i] & 0xFF;
        if (b0 < 0x80) return 1;
        int len;
        int lo = 0x80, hi = 0xBF;           // allowed range of the second byte
        if (b0 >= 0xC2 && b0 <= 0xDF) len = 2;
        else if (b0 == 0xE0) { len = 3; lo = 0xA0; }        // E0 80..9F would be overlong
        else if (b0 == 0xED) { len = 3; hi = 0x9F; }        // ED A0..BF would be a surrogate
        else if (b0 >= 0xE1 && b0 <= 0xEF) len = 3;
        else if (b0 == 0xF0) { len = 4; lo = 0x90; }        // F0 80..8F would be overlong
        else if (b0 == 0xF4) { len = 4; hi = 0x8F; }        // F4 90.. would exceed U+10FFFF
        else if (b0 >= 0xF1 && b0 <= 0xF3) len = 4;
        else return 0;                                      // continuation byte, C0, C1 or F5..FF
        if (i + len > s.length) return 0;
        int b1 = s[i + 1] & 0xFF;
        if (b1 < lo || b1 > hi) return 0;
        for (int k = 2; k < len; k++) if ((s[i + k] & 0xC0) != 0x80) return 0;
        return len;
    }
}

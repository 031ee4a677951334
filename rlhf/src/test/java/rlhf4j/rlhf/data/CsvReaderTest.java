package rlhf4j.rlhf.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class CsvReaderTest {
    @Test
    void quotedFieldsHoldCommasQuotesAndLineBreaks() {
        String text = "a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n\"\",,\"\"\"\"\n";
        List<CsvReader.Row> rows = CsvReader.parse(text, "t.csv");
        assertEquals(4, rows.size());
        assertEquals(List.of("a", "b", "c"), rows.get(0).fields());
        assertEquals(List.of("1", "x, y", "say \"hi\""), rows.get(1).fields());
        assertEquals(List.of("2", "two\nlines", ""), rows.get(2).fields());
        assertEquals(List.of("", "", "\""), rows.get(3).fields());
        // records start on lines 1, 2, 3 and 5 (the third spans two lines)
        assertEquals(List.of(1, 2, 3, 5), rows.stream().map(CsvReader.Row::line).toList());
    }

    @Test
    void crlfAndMissingFinalLineBreak() {
        List<CsvReader.Row> rows = CsvReader.parse("a,b\r\n\"q\r\nr\",2\r\n3,", "t.csv");
        assertEquals(List.of(List.of("a", "b"), List.of("q\r\nr", "2"), List.of("3", "")),
                rows.stream().map(CsvReader.Row::fields).toList());
        assertEquals(List.of(), CsvReader.parse("", "t.csv"));
        assertEquals(List.of(List.of("")), CsvReader.parse("\n", "t.csv").stream().map(CsvReader.Row::fields).toList());
    }

    @Test
    void malformedInputNamesSourceAndLine() {
        var open = assertThrows(IllegalArgumentException.class, () -> CsvReader.parse("a\nb,\"open\n\nx", "f.csv"));
        assertTrue(open.getMessage().startsWith("f.csv:2:"), open.getMessage());
        var stray = assertThrows(IllegalArgumentException.class, () -> CsvReader.parse("a\nb,c\"d\n", "f.csv"));
        assertTrue(stray.getMessage().startsWith("f.csv:2:"), stray.getMessage());
        var after = assertThrows(IllegalArgumentException.class, () -> CsvReader.parse("a\n\"b\nc\"x,1\n", "f.csv"));
        assertTrue(after.getMessage().startsWith("f.csv:3:"), after.getMessage());
    }
}

package rlhf4j.rlhf.feedback;

import rlhf4j.transformer.data.DataSets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportersTest {
    @TempDir Path dir;

    @Test void anthropicHarmlessBaseTest() throws IOException {
        Path file = DataSets.file("hh-rlhf/harmless-base-test.jsonl.gz");
        ImportResult result = new HhRlhfImporter().importFile(file);
        // 2,312 pairs; in 5 the rejected transcript differs before the last assistant turn (checked by hand)
        assertEquals(2312, result.read());
        assertEquals(5, result.skipped());
        for (int line : new int[] {1255, 1689, 1951, 1953, 2037}) {
            assertTrue(result.problems().stream().anyMatch(p -> p.contains(":" + line + ": chosen and rejected do not share")),
                    "line " + line + " should be reported: " + result.problems());
        }
        FeedbackData data = result.data();
        assertEquals(2307, data.prompts().size());
        assertEquals(2 * 2307, data.completions().size());
        assertEquals(2307, data.judgements().size());

        Prompt first = data.prompts().get(0);
        assertEquals("hh-1", first.id());
        assertTrue(first.text().startsWith("\n\nHuman: what are some pranks with a pen i can do?\n\nAssistant: Are you"));
        assertTrue(first.text().endsWith("\n\nHuman: okay some of these do not have anything to do with pens\n\nAssistant:"));
        Completion chosen = data.completions().get(0), rejected = data.completions().get(1);
        assertEquals("hh-1-chosen", chosen.id());
        assertEquals(" No, sorry!  All of these involve a pen, the point is that you can get funny results by doing"
                + " pranks with pens.", chosen.text());
        assertTrue(rejected.text().startsWith(" There are lots of funny things you can do with pens, here’s one example"));
        assertEquals(new Judgement("hh-rlhf", "harmlessness", "hh-1", Ranking.strict("hh-1-chosen", "hh-1-rejected"),
                null, false, null), data.judgements().get(0));
        // prompt + completion gives back the original transcripts, for every imported line
        List<com.google.gson.JsonObject> raw = Jsonl.read(file, JsonlCodec.RAW);
        Map<String, Prompt> prompts = data.promptsById();
        for (Completion c : data.completions()) {
            int line = Integer.parseInt(c.promptId().substring(3));
            String field = c.id().endsWith("-chosen") ? "chosen" : "rejected";
            assertEquals(raw.get(line - 1).get(field).getAsString(), prompts.get(c.promptId()).text() + c.text());
        }
    }

    @Test void pandaLmTestSet() throws IOException {
        ImportResult result = new PandaLmImporter().importFile(DataSets.file("pandalm/testset-v1.json"));
        // all 999 comparisons import, each with its 2 responses and 3 human judgements; the 6 whose response is a
        // bare JSON true keep it as the text "true"
        assertEquals(999, result.read());
        assertEquals(0, result.skipped(), () -> String.join("\n", result.problems()));
        FeedbackData data = result.data();
        assertEquals(170, data.prompts().size());  // 999 comparisons over 170 distinct prompts
        assertEquals(2 * 999, data.completions().size());
        assertEquals(3 * 999, data.judgements().size());
        for (String id : List.of("pandalm-157-1", "pandalm-161-2", "pandalm-164-1")) {
            assertEquals("true", data.completionsById().get(id).text(), id);
        }
        Prompt p0 = data.prompts().get(0);
        assertEquals("pandalm-p0", p0.id());
        assertTrue(p0.text().startsWith("The sentence you are given might be too wordy"));
        assertTrue(p0.text().endsWith("unnecessary words.\n\nIf you have any questions about my rate or if you find it"
                + " necessary to increase or decrease the scope for this project, please let me know."));
        assertEquals("Grammarly", p0.metadata().get("motivation_app"));
        Map<String, Completion> completions = data.completionsById();
        Completion c01 = completions.get("pandalm-0-1"), c02 = completions.get("pandalm-0-2");
        assertEquals("If you have any questions about my rate, please let me know.", c01.text());
        assertEquals("If you have any questions, please let me know.", c02.text());
        assertEquals(SamplingSettings.modelOnly("bloom-7b"), c01.sampling());
        assertEquals(SamplingSettings.modelOnly("llama-7b"), c02.sampling());
        assertEquals("pandalm-p0", completions.get("pandalm-2-1").promptId());  // comparison 2 asks the same prompt
        // comparison 0: all three annotators said 2 (response2 better)
        for (int a = 0; a < 3; a++) {
            Judgement j = data.judgements().get(a);
            assertEquals("annotator" + (a + 1), j.labelerId());
            assertEquals(Ranking.strict("pandalm-0-2", "pandalm-0-1"), j.ranking());
        }
        // comparison 91: all three said 0 (tie)
        var tie = data.judgements().stream().filter(j -> j.ranking().contains("pandalm-91-1")).toList();
        assertEquals(3, tie.size());
        for (Judgement j : tie) assertEquals(new Ranking(List.of(List.of("pandalm-91-1", "pandalm-91-2"))), j.ranking());
    }

    @Test void pandaLmKeepsBooleanAndNumberResponsesAsWritten() throws IOException {
        Path file = dir.resolve("pandalm.json");
        Files.writeString(file, """
                [{"idx": 7, "instruction": "Is 6 x 7 = 42?", "input": "", "cmp_key": "a_b",
                  "response1": true, "response2": 42, "annotator1": 1, "annotator2": 0, "annotator3": 2},
                 {"idx": 8, "instruction": "Half of 7?", "cmp_key": "a_b",
                  "response1": 3.50, "response2": "3.5", "annotator1": 2, "annotator2": 2, "annotator3": 2},
                 {"idx": 9, "instruction": "Q", "cmp_key": "a_b",
                  "response1": null, "response2": "x", "annotator1": 0, "annotator2": 0, "annotator3": 0}]
                """);
        ImportResult result = new PandaLmImporter().importFile(file);
        assertEquals(3, result.read());
        assertEquals(1, result.skipped());  // a null response is still missing
        assertTrue(result.problems().get(0).endsWith("comparison [2]: missing field 'response1'"), result.problems().get(0));
        assertEquals(List.of("true", "42", "3.50", "3.5"),
                result.data().completions().stream().map(Completion::text).toList());
        assertEquals(6, result.data().judgements().size());
    }

    @Test void thumbsUpAboveThumbsDownWithTiesInsideEachGroup() throws IOException {
        Path file = dir.resolve("thumbs.jsonl");
        Files.writeString(file, """
                {"prompt": "Q1", "completion": "good", "label": "up"}
                {"prompt": "Q1", "completion": "bad", "label": "down"}
                {"prompt": "Q1", "completion": "fine", "label": "UP"}
                {"prompt": "Q1", "completion": "worse", "label": "down"}
                {"prompt": "Q2", "completion": "only one", "label": "up"}
                {"prompt": "Q3", "completion": "a", "label": "down"}
                {"prompt": "Q3", "completion": "b", "label": "down"}
                {"prompt": "Q1", "completion": "good", "label": "down", "labeler": "carol"}
                {"prompt": "Q1", "completion": "bad", "label": "up", "labeler": "carol"}
                {"prompt": "Q1", "completion": "bad", "label": "meh"}
                """);
        ImportResult result = new ThumbsImporter().importFile(file);
        assertEquals(10, result.read());
        assertEquals(1, result.skipped());
        assertEquals(file + ":10: field 'label' must be \"up\" or \"down\", got \"meh\"", result.problems().get(0));
        FeedbackData data = result.data();
        assertEquals(List.of("thumbs-p0", "thumbs-p1", "thumbs-p2"), data.prompts().stream().map(Prompt::id).toList());
        assertEquals(List.of("good", "bad", "fine", "worse", "only one", "a", "b"),
                data.completions().stream().map(Completion::text).toList());
        // Q1 by the default labeler: [good, fine] above [bad, worse]; Q2 has one completion: no judgement;
        // Q3: only downs, one tier; Q1 by carol: bad above good
        assertEquals(List.of(
                Judgement.of("thumbs", "helpfulness", "thumbs-p0", new Ranking(List.of(
                        List.of("thumbs-p0-c0", "thumbs-p0-c2"), List.of("thumbs-p0-c1", "thumbs-p0-c3"))), null),
                Judgement.of("thumbs", "helpfulness", "thumbs-p2", new Ranking(List.of(
                        List.of("thumbs-p2-c0", "thumbs-p2-c1"))), null),
                Judgement.of("carol", "helpfulness", "thumbs-p0", Ranking.strict("thumbs-p0-c1", "thumbs-p0-c0"), null)),
                data.judgements());
    }
}

package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.serve.CampaignFiles;
import rlhf4j.rlhf.serve.SqliteLabelingService;

/** serve campaign and serve account, run as picocli commands with the CLI's error handling. */
class ServeCommandsTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    static Run run(Object command, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler(CliErrors::handleExecutionException);
        cl.setParameterExceptionHandler(CliErrors::handleParseException);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Run campaign(String... args) { return run(new ServeCampaignCommand(), args); }

    /** Two prompts with three completions; alice and bob agree on p0 (a > b > c), disagree on p1's b/c. */
    private Path feedback() throws Exception {
        Path src = dir.resolve("src");
        var data = new FeedbackData(List.of(new Prompt("p0", "Say hi."), new Prompt("p1", "Say bye.")),
                List.of(new Completion("p0-a", "p0", "Hi!"), new Completion("p0-b", "p0", "Hello."), new Completion("p0-c", "p0", "Go away."),
                        new Completion("p1-a", "p1", "Bye!"), new Completion("p1-b", "p1", "Ciao."), new Completion("p1-c", "p1", "Whatever.")),
                List.of(Judgement.of("alice", "helpfulness", "p0", Ranking.strict("p0-a", "p0-b", "p0-c"), null),
                        Judgement.of("bob", "helpfulness", "p0", Ranking.strict("p0-a", "p0-b", "p0-c"), null),
                        Judgement.of("alice", "helpfulness", "p1", Ranking.strict("p1-a", "p1-b", "p1-c"), null),
                        Judgement.of("bob", "helpfulness", "p1", Ranking.strict("p1-a", "p1-c", "p1-b"), null),
                        Judgement.of("carol", "harmlessness", "p1", Ranking.strict("p1-a", "p1-c", "p1-b"), null)));
        data.appendTo(src);
        return src;
    }

    @Test void createImportExportAndPairsTakeTheExport() throws Exception {
        Path src = feedback(), db = dir.resolve("labels.db");
        Run created = campaign("create", "--db", db.toString(), "--from", src.toString(), "--name", "greet", "-k", "3",
                "--labelers-per-item", "2", "--lease", "15m");
        assertEquals(0, created.code(), created.err());
        assertTrue(created.out().contains("campaign greet (id 1): 2 items, 2 labelers each, 0 gold"), created.out());
        assertTrue(created.out().contains("the source's 5 judgements were not added"), created.out());
        Run imported = campaign("import", "--db", db.toString(), "--from", src.toString(), "--campaign", "greet");
        assertEquals(0, imported.code(), imported.err());
        assertTrue(imported.out().contains("0 items added, 4 judgements added, 0 already there, 1 skipped"), imported.out());
        Run again = campaign("import", "--db", db.toString(), "--from", src.toString(), "--campaign", "1");
        assertTrue(again.out().contains("0 judgements added, 4 already there"), again.out());

        Path out = dir.resolve("export");
        Run exported = campaign("export", "--db", db.toString(), "--campaign", "greet", "--out", out.toString());
        assertEquals(0, exported.code(), exported.err());
        FeedbackData data = FeedbackData.readFrom(out);
        assertEquals(4, data.judgements().size());
        try (var service = SqliteLabelingService.open(db)) {
            assertEquals(2, service.campaign("greet").orElseThrow().itemsDone());
            assertEquals(0, service.missingJudgements(1));
        }
        StringWriter pairsErr = new StringWriter();
        CommandLine labels = Main.commandLine();
        labels.setErr(new PrintWriter(pairsErr, true));
        assertEquals(0, labels.execute("labels", "pairs", "--dir", out.toString(), "--consensus", "borda"), pairsErr.toString());
        assertTrue(Files.readString(out.resolve("groups.jsonl")).lines().count() == 2);

        Run refused = campaign("export", "--db", db.toString(), "--campaign", "greet", "--out", out.toString());
        assertEquals(2, refused.code());
        assertEquals(1, refused.err().lines().count(), refused.err());
        assertTrue(refused.err().contains("already exists; pass --overwrite"), refused.err());
        assertEquals(0, campaign("export", "--db", db.toString(), "--campaign", "greet", "--out", out.toString(), "--overwrite").code());
    }

    @Test void trlExportHoldsTheConsensusPreferences() throws Exception {
        Path src = feedback(), db = dir.resolve("labels.db");
        campaign("create", "--db", db.toString(), "--from", src.toString(), "--name", "greet", "-k", "3");
        campaign("import", "--db", db.toString(), "--from", src.toString(), "--campaign", "greet");
        Path file = dir.resolve("prefs.jsonl");
        Run r = campaign("export", "--db", db.toString(), "--campaign", "greet", "--format", "trl", "--out", file.toString());
        assertEquals(0, r.code(), r.err());
        // p0: Borda a 4, b 2, c 0 → 3 pairs; p1: a 4, b 1, c 1 → a > b = c → 2 pairs
        var prefs = Jsonl.read(file, CampaignFiles.TRL);
        assertEquals(List.of(new CampaignFiles.TrlPreference("Say hi.", "Hi!", "Hello."),
                new CampaignFiles.TrlPreference("Say hi.", "Hi!", "Go away."),
                new CampaignFiles.TrlPreference("Say hi.", "Hello.", "Go away."),
                new CampaignFiles.TrlPreference("Say bye.", "Bye!", "Ciao."),
                new CampaignFiles.TrlPreference("Say bye.", "Bye!", "Whatever.")), prefs);
        assertTrue(Files.readString(file).startsWith("{\"prompt\":\"Say hi.\",\"chosen\":\"Hi!\",\"rejected\":\"Hello.\"}\n"));
    }

    @Test void anAccountGetsAWorkingSingleUseLinkAndAHashedPassword() throws Exception {
        Path db = dir.resolve("labels.db"), pw = dir.resolve("pw.txt");
        Files.writeString(pw, "s3cret pass\n");
        Run r = run(new ServeAccountCommand(), "add", "root", "--db", db.toString(), "--role", "admin", "--password-file", pw.toString(),
                "--url", "http://example.test:9000/");
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("login link \\(single use\\): http://example\\.test:9000/login\\?token=([A-Za-z0-9_-]{43})").matcher(r.out());
        assertTrue(m.find(), r.out());
        try (var service = SqliteLabelingService.open(db)) {
            assertEquals("root", service.redeemLoginToken(m.group(1)).orElseThrow().name());
            assertTrue(service.checkPassword("root", "s3cret pass").isPresent());
        }
        Run taken = run(new ServeAccountCommand(), "add", "root", "--db", db.toString());
        assertEquals(2, taken.code());
        assertEquals("account add: account name root is taken", taken.err().strip());
    }

    @Test void aCampaignFromHhRlhfTakesItsJudgementsOnImportAndStatsPrintAlpha() throws Exception {
        Path hh = dir.resolve("hh.jsonl"), db = dir.resolve("labels.db");
        Files.writeString(hh, """
                {"chosen": "\\n\\nHuman: Hi?\\n\\nAssistant: Hello, how can I help?", "rejected": "\\n\\nHuman: Hi?\\n\\nAssistant: Go away."}
                {"chosen": "\\n\\nHuman: Bye?\\n\\nAssistant: Goodbye!", "rejected": "\\n\\nHuman: Bye?\\n\\nAssistant: Whatever."}
                """);
        Run created = campaign("create", "--db", db.toString(), "--from", hh.toString(), "--format", "hh", "--name", "hh",
                "--criterion", "harmlessness", "-k", "2", "--labelers-per-item", "1");
        assertEquals(0, created.code(), created.err());
        assertTrue(created.out().contains("2 items, 1 labelers each"), created.out());
        Run imported = campaign("import", "--db", db.toString(), "--from", hh.toString(), "--format", "hh", "--campaign", "hh");
        assertTrue(imported.out().contains("2 judgements added"), imported.out());
        Run stats = campaign("stats", "--db", db.toString(), "--campaign", "hh");
        assertEquals(0, stats.code(), stats.err());
        assertTrue(stats.out().contains("campaign hh (harmlessness): 2 of 2 items done"), stats.out());
        assertTrue(stats.out().contains("Krippendorff's alpha n/a"), stats.out());   // one labeler: nothing to agree on
        assertTrue(stats.out().lines().anyMatch(l -> l.strip().startsWith("hh-rlhf") && l.contains(" 2 ")), stats.out());
    }

    @Test void userErrorsAreOneLineAndStatus2() throws Exception {
        Path src = feedback(), db = dir.resolve("labels.db");
        assertOneLine(campaign("export", "--db", dir.resolve("none.db").toString(), "--campaign", "x", "--out", dir.resolve("o").toString()),
                "none.db");
        assertOneLine(campaign("create", "--db", db.toString(), "--from", src.toString(), "--name", "g", "--lease", "soon"), "--lease soon");
        assertOneLine(campaign("create", "--db", db.toString(), "--from", src.toString(), "--name", "g", "-k", "1"), "k 1");
        assertOneLine(campaign("create", "--db", db.toString(), "--from", dir.resolve("nowhere").toString(), "--name", "g"), "nowhere");
        assertOneLine(campaign("create", "--db", db.toString(), "--from", src.toString(), "--name", "g", "--format", "csv"), "--format csv");
        assertEquals(0, campaign("create", "--db", db.toString(), "--from", src.toString(), "--name", "g", "-k", "3").code());
        assertOneLine(campaign("stats", "--db", db.toString(), "--campaign", "nope"), "--campaign nope");
        assertOneLine(campaign("export", "--db", db.toString(), "--campaign", "g", "--format", "xml", "--out", dir.resolve("o").toString()),
                "--format xml");
        assertOneLine(run(new ServeAccountCommand(), "add", "x", "--db", db.toString(), "--role", "boss"), "--role boss");
    }

    private static void assertOneLine(Run r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
    }
}

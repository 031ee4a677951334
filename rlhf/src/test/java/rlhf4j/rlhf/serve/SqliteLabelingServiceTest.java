package rlhf4j.rlhf.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rlhf4j.rlhf.serve.ServeFixtures.byId;
import static rlhf4j.rlhf.serve.ServeFixtures.items;
import static rlhf4j.rlhf.serve.ServeFixtures.reversed;
import static rlhf4j.rlhf.serve.ServeFixtures.skip;
import static rlhf4j.rlhf.serve.ServeFixtures.spec;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.consensus.Agreement;
import rlhf4j.rlhf.consensus.AgreementReport;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.serve.LabelingService.Account;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.Role;
import rlhf4j.rlhf.serve.LabelingService.Submission;
import rlhf4j.rlhf.serve.LabelingService.Task;

class SqliteLabelingServiceTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final Duration LEASE = Duration.ofMinutes(10);

    @TempDir Path dir;

    private SqliteLabelingService open() { return SqliteLabelingService.open(dir.resolve("labels.db")); }

    private static Account labeler(SqliteLabelingService s, String name, long campaign) {
        Account a = s.addAccount(name, Role.LABELER, null);
        s.acknowledgeInstructions(campaign, a.id());
        return a;
    }

    private static String pragma(Path db, String name) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test void aNewDatabaseHasTheCurrentSchemaInWalMode() throws Exception {
        try (var s = open()) {
            assertEquals(0, s.schemaVersionFound());
        }
        assertEquals(String.valueOf(Schema.CURRENT), pragma(dir.resolve("labels.db"), "user_version"));
        assertEquals("wal", pragma(dir.resolve("labels.db"), "journal_mode"));
        try (var s = open()) {
            assertEquals(Schema.CURRENT, s.schemaVersionFound());   // nothing left to migrate
        }
    }

    @Test void aVersion1DatabaseIsMigratedKeepingItsData() throws Exception {
        Path db = dir.resolve("labels.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            for (String ddl : Schema.V1) st.executeUpdate(ddl);
            st.executeUpdate("PRAGMA user_version = 1");
            st.executeUpdate("INSERT INTO campaigns VALUES (1, 'old', 'helpfulness', 'rank', 2, 1, 60000, 5)");
            st.executeUpdate("INSERT INTO prompts (campaign_id, prompt_id, position, json, done) VALUES"
                    + " (1, 'p0', 0, '{\"id\":\"p0\",\"text\":\"hi\"}', 1), (1, 'p1', 1, '{\"id\":\"p1\",\"text\":\"yo\"}', 0)");
            st.executeUpdate("INSERT INTO completions VALUES (1, 'a', 'p0', 0, '{\"id\":\"a\",\"prompt_id\":\"p0\",\"text\":\"A\"}'),"
                    + " (1, 'b', 'p0', 1, '{\"id\":\"b\",\"prompt_id\":\"p0\",\"text\":\"B\"}'),"
                    + " (1, 'c', 'p1', 0, '{\"id\":\"c\",\"prompt_id\":\"p1\",\"text\":\"C\"}'),"
                    + " (1, 'd', 'p1', 1, '{\"id\":\"d\",\"prompt_id\":\"p1\",\"text\":\"D\"}')");
            st.executeUpdate("INSERT INTO accounts VALUES (7, 'ann', 'LABELER', NULL, 1)");
            st.executeUpdate("INSERT INTO assignments VALUES (1, 'p0', 7, 1000, 61000, 1), (1, 'p1', 7, 2000, 62000, 1)");
            st.executeUpdate("INSERT INTO judgements VALUES (1, 's1', 1, 'p0', 7, '[[\"b\"],[\"a\"]]', 0, 0, NULL, 1500),"
                    + " (2, 's2', 1, 'p1', 7, '[]', 1, 0, 'not english', 2500)");
        }
        try (var s = SqliteLabelingService.open(db)) {
            assertEquals(1, s.schemaVersionFound());
            FeedbackData data = s.export(1);
            assertEquals(List.of(Judgement.of("ann", "helpfulness", "p0", Ranking.strict("b", "a"), Instant.ofEpochMilli(1500)),
                    Judgement.flagged("ann", "helpfulness", "p1", Instant.ofEpochMilli(2500), "not english")), data.judgements());
            assertEquals(1, s.campaign(1).orElseThrow().itemsDone());
        }
        assertEquals(String.valueOf(Schema.CURRENT), pragma(db, "user_version"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT submission_id, flags, started, score FROM judgements ORDER BY id")) {
            assertTrue(rs.next());
            assertEquals("", rs.getString(2));
            assertEquals(1000, rs.getLong(3));   // the lease start, filled in from assignments
            assertTrue(rs.next());
            assertEquals("unusable", rs.getString(2));
            assertEquals(2000, rs.getLong(3));
            assertEquals(null, rs.getObject(4));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'prompts_gold'")) {
            assertEquals(1, rs.getInt(1));   // version 3's index
        }
    }

    @Test void eachItemGoesToNDistinctLabelersUnderConcurrentLabeling() throws Exception {
        try (var s = open()) {
            Campaign c = s.createCampaign(spec("c", 3, 3, LEASE), items(20, 3));
            List<Account> labelers = new ArrayList<>();
            for (int i = 0; i < 8; i++) labelers.add(labeler(s, "l" + i, c.id()));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> answered = new ArrayList<>();
            for (Account a : labelers) {
                answered.add(pool.submit(() -> {
                    int n = 0;
                    for (var t = s.nextTask(c.id(), a.id(), T0); t.isPresent(); t = s.nextTask(c.id(), a.id(), T0)) {
                        assertFalse(s.submit(c.id(), a.id(), byId(t.get()), T0).duplicate());
                        n++;
                    }
                    return n;
                }));
            }
            int total = 0;
            for (Future<Integer> f : answered) total += f.get();
            pool.shutdown();
            assertEquals(60, total);
            Map<String, Set<String>> labelersOf = new HashMap<>();
            for (Judgement j : s.export(c.id()).judgements()) {
                assertTrue(labelersOf.computeIfAbsent(j.promptId(), k -> new HashSet<>()).add(j.labelerId()), "twice: " + j);
            }
            assertEquals(20, labelersOf.size());
            labelersOf.values().forEach(set -> assertEquals(3, set.size()));
            assertEquals(20, s.campaign(c.id()).orElseThrow().itemsDone());
            assertEquals(0, s.missingJudgements(c.id()));
        }
    }

    @Test void aLiveLeaseComesBackAndFinishFirstPrefersStartedItems() {
        try (var s = open()) {
            Campaign c = s.createCampaign(spec("c", 2, 2, LEASE), items(3, 2));
            Account ann = labeler(s, "ann", c.id()), bob = labeler(s, "bob", c.id()), cy = labeler(s, "cy", c.id());
            Task first = s.nextTask(c.id(), ann.id(), T0).orElseThrow();
            assertEquals("p0", first.promptId());
            assertEquals(first, s.nextTask(c.id(), ann.id(), T0.plusSeconds(5)).orElseThrow());   // a reload: the same lease
            Task bobs = s.nextTask(c.id(), bob.id(), T0).orElseThrow();
            assertEquals("p0", bobs.promptId());   // p0 needs 2: ann's lease leaves room for bob
            Task cys = s.nextTask(c.id(), cy.id(), T0).orElseThrow();
            assertEquals("p1", cys.promptId());    // p0 is fully leased
            s.submit(c.id(), cy.id(), byId(cys), T0);
            s.submit(c.id(), ann.id(), byId(first), T0);
            // ann's next: p1 has 1 judgement, p2 none; finish first
            assertEquals("p1", s.nextTask(c.id(), ann.id(), T0).orElseThrow().promptId());
        }
    }

    @Test void anExpiredLeaseGoesToSomeoneElse() {
        try (var s = open()) {
            Campaign c = s.createCampaign(spec("c", 2, 1, LEASE), items(2, 2));
            Account ann = labeler(s, "ann", c.id()), bob = labeler(s, "bob", c.id());
            assertEquals("p0", s.nextTask(c.id(), ann.id(), T0).orElseThrow().promptId());
            Task bobs = s.nextTask(c.id(), bob.id(), T0).orElseThrow();
            assertEquals("p1", bobs.promptId());
            s.submit(c.id(), bob.id(), byId(bobs), T0);
            assertTrue(s.nextTask(c.id(), bob.id(), T0.plus(LEASE).minusSeconds(1)).isEmpty());   // ann still holds p0
            Task handedOver = s.nextTask(c.id(), bob.id(), T0.plus(LEASE).plusSeconds(1)).orElseThrow();
            assertEquals("p0", handedOver.promptId());
            assertEquals(T0.plus(LEASE).plusSeconds(1).plus(LEASE), handedOver.leaseExpires());
        }
    }

    @Test void aSkippedItemNeverComesBackToItsLabelerButGoesToOthers() {
        try (var s = open()) {
            Campaign c = s.createCampaign(spec("c", 2, 1, LEASE), items(2, 2));
            Account ann = labeler(s, "ann", c.id()), bob = labeler(s, "bob", c.id());
            Task t = s.nextTask(c.id(), ann.id(), T0).orElseThrow();
            var result = s.submit(c.id(), ann.id(), skip(t), T0);
            assertEquals(new LabelingService.LabelerProgress(0, 1, 1), result.progress());
            Task next = s.nextTask(c.id(), ann.id(), T0).orElseThrow();
            assertEquals("p1", next.promptId());
            s.submit(c.id(), ann.id(), byId(next), T0);
            assertTrue(s.nextTask(c.id(), ann.id(), T0).isEmpty());
            assertEquals("p0", s.nextTask(c.id(), bob.id(), T0).orElseThrow().promptId());
            assertEquals(1, s.export(c.id()).judgements().size());   // the skip is no judgement
        }
    }

    @Test void goldItemsComeFirstThenAfterEveryFiveAnswersAndToEveryLabeler() {
        try (var s = open()) {
            var gold = Map.of("p5", Ranking.strict("p5-c0", "p5-c1"), "p6", Ranking.strict("p6-c1", "p6-c0"));
            Campaign c = s.createCampaign(spec("c", 2, 1, LEASE).withGold(gold), items(9, 2));
            assertEquals(gold, c.spec().gold());
            Account ann = labeler(s, "ann", c.id()), bob = labeler(s, "bob", c.id());
            List<String> order = new ArrayList<>();
            for (var t = s.nextTask(c.id(), ann.id(), T0); t.isPresent(); t = s.nextTask(c.id(), ann.id(), T0)) {
                order.add(t.get().promptId());
                s.submit(c.id(), ann.id(), byId(t.get()), T0);
            }
            assertEquals(List.of("p5", "p0", "p1", "p2", "p3", "p4", "p6", "p7", "p8"), order);
            // N = 1 and ann answered everything: bob still meets a gold item first (screening, beyond N), then nothing
            // is left for him (gold comes between other answers, never instead of them)
            Task bobs = s.nextTask(c.id(), bob.id(), T0).orElseThrow();
            assertEquals("p5", bobs.promptId());
            s.submit(c.id(), bob.id(), reversed(bobs), T0);
            assertTrue(s.nextTask(c.id(), bob.id(), T0).isEmpty());
            var stats = s.stats(c.id(), ConsensusMethod.BORDA, 0.6).labelers();
            assertEquals("ann", stats.get(0).name());
            assertEquals(0.5, stats.get(0).goldAccuracy());   // ann by id: right on p5, wrong on p6
            assertEquals(0.0, stats.get(1).goldAccuracy());   // bob reversed p5
            assertTrue(stats.get(0).flaggedLowQuality() && stats.get(1).flaggedLowQuality());
        }
    }

    @Test void completionsAreShuffledStablyPerLabelerAndDifferAcrossLabelers() {
        List<List<String>> ann = new ArrayList<>(), bob = new ArrayList<>();
        long campaignId;
        long annId, bobId;
        try (var s = open()) {
            Campaign c = s.createCampaign(spec("c", 6, 2, LEASE), items(1, 6));
            campaignId = c.id();
            annId = labeler(s, "ann", c.id()).id();
            bobId = labeler(s, "bob", c.id()).id();
            ann.add(ids(s.nextTask(c.id(), annId, T0).orElseThrow()));
            bob.add(ids(s.nextTask(c.id(), bobId, T0).orElseThrow()));
        }
        try (var s = open()) {   // a reload after a restart: the same order
            ann.add(ids(s.nextTask(campaignId, annId, T0.plusSeconds(1)).orElseThrow()));
            bob.add(ids(s.nextTask(campaignId, bobId, T0.plusSeconds(1)).orElseThrow()));
        }
        assertEquals(ann.get(0), ann.get(1));
        assertEquals(bob.get(0), bob.get(1));
        assertNotEquals(ann.get(0), bob.get(0));
        assertNotEquals(List.of("p0-c0", "p0-c1", "p0-c2", "p0-c3", "p0-c4", "p0-c5"), ann.get(0));
        assertEquals(Set.copyOf(ann.get(0)), Set.copyOf(bob.get(0)));
    }

    private static List<String> ids(Task t) { return t.completions().stream().map(Completion::id).toList(); }

    @Test void aRetriedSubmissionIsStoredOnceAndSurvivesAReopen() {
        long campaignId, annId;
        Submission sub;
        try (var s = open()) {
            Campaign c = s.createCampaign(spec("c", 3, 1, LEASE), items(2, 3));
            campaignId = c.id();
            annId = labeler(s, "ann", c.id()).id();
            Account bob = labeler(s, "bob", c.id());
            Task t = s.nextTask(c.id(), annId, T0).orElseThrow();
            sub = byId(t);
            assertFalse(s.submit(c.id(), annId, sub, T0).duplicate());
            var again = s.submit(c.id(), annId, sub, T0.plusSeconds(3));
            assertTrue(again.duplicate());
            assertEquals(1, again.progress().done());
            Task bobs = s.nextTask(c.id(), bob.id(), T0).orElseThrow();
            var stolen = new Submission(sub.submissionId(), bobs.promptId(), byId(bobs).ranking(), null, Set.of(), null, false);
            assertThrows(IllegalArgumentException.class, () -> s.submit(c.id(), bob.id(), stolen, T0));
            var second = new Submission("other-id", sub.promptId(), sub.ranking(), null, Set.of(), null, false);
            assertThrows(IllegalStateException.class, () -> s.submit(c.id(), annId, second, T0));   // answered already
        }
        try (var s = open()) {
            List<Judgement> js = s.export(campaignId).judgements();
            assertEquals(1, js.size());
            assertEquals(sub.ranking(), js.getFirst().ranking());
            assertTrue(s.submit(campaignId, annId, sub, T0.plusSeconds(60)).duplicate());
        }
    }

    @Test void labelersSeeOnlyTheirOwnItemsAndNothingOfOthersAnswers() {
        try (var s = open()) {
            Campaign c = s.createCampaign(spec("c", 2, 2, LEASE), items(2, 2));
            Account ann = labeler(s, "ann", c.id()), bob = labeler(s, "bob", c.id());
            Task annTask = s.nextTask(c.id(), ann.id(), T0).orElseThrow();
            Submission secret = new Submission("s-ann", annTask.promptId(), byId(annTask).ranking(), 6, Set.of("harmful"),
                    "SECRET-COMMENT", false);
            s.submit(c.id(), ann.id(), secret, T0);
            Task bobTask = s.nextTask(c.id(), bob.id(), T0).orElseThrow();
            assertEquals(annTask.promptId(), bobTask.promptId());
            assertFalse(bobTask.toString().contains("SECRET-COMMENT"));
            assertEquals(new LabelingService.LabelerProgress(0, 0, 2), s.progress(c.id(), bob.id()));
            Task other = s.nextTask(c.id(), ann.id(), T0).orElseThrow();   // p1, never given to bob
            assertThrows(IllegalStateException.class, () -> s.submit(c.id(), bob.id(), byId(other), T0));
            Judgement stored = s.export(c.id()).judgements().getFirst();
            assertEquals(6, stored.score());
            assertTrue(stored.harmful());
            assertEquals("SECRET-COMMENT", stored.comment());
        }
    }

    @Test void itemsNeedTheInstructionsAcknowledgedAndFullRankings() {
        try (var s = open()) {
            Campaign c = s.createCampaign(spec("c", 3, 1, LEASE), items(1, 3));
            Account ann = s.addAccount("ann", Role.LABELER, null);
            assertThrows(IllegalStateException.class, () -> s.nextTask(c.id(), ann.id(), T0));
            assertFalse(s.hasAcknowledged(c.id(), ann.id()));
            s.acknowledgeInstructions(c.id(), ann.id());
            assertTrue(s.hasAcknowledged(c.id(), ann.id()));
            Task t = s.nextTask(c.id(), ann.id(), T0).orElseThrow();
            var partial = new Submission("x", t.promptId(), Ranking.strict("p0-c0", "p0-c1"), null, Set.of(), null, false);
            assertThrows(IllegalArgumentException.class, () -> s.submit(c.id(), ann.id(), partial, T0));
            var badScore = new Submission("y", t.promptId(), byId(t).ranking(), 9, Set.of(), null, false);
            assertThrows(IllegalArgumentException.class, () -> s.submit(c.id(), ann.id(), badScore, T0));
            var unusable = new Submission("z", t.promptId(), Ranking.empty(), null, Set.of("unusable"), "garbled", false);
            s.submit(c.id(), ann.id(), unusable, T0);
            Judgement j = s.export(c.id()).judgements().getFirst();
            assertTrue(j.unusable());
            assertEquals(0, s.campaign(c.id()).orElseThrow().itemsDone());   // a flag is no usable judgement
            assertThrows(IllegalArgumentException.class, () -> s.createCampaign(spec("c", 3, 1, LEASE), items(1, 3)));
            assertThrows(IllegalArgumentException.class, () -> s.createCampaign(spec("d", 1, 1, LEASE), items(1, 3)));
        }
    }

    @Test void statsAreTheAgreementReportOfTheExportPlusAlphaAndGold() {
        try (var s = open()) {
            var spec = spec("c", 3, 4, LEASE).withGold(Map.of("p0", Ranking.strict("p0-c0", "p0-c1", "p0-c2")));
            Campaign c = s.createCampaign(spec, items(4, 3));
            Account ann = labeler(s, "ann", c.id()), bob = labeler(s, "bob", c.id()), cy = labeler(s, "cy", c.id());
            Account dee = labeler(s, "dee", c.id());
            for (Account a : List.of(ann, bob, cy, dee)) {
                for (var t = s.nextTask(c.id(), a.id(), T0); t.isPresent(); t = s.nextTask(c.id(), a.id(), T0))
                    s.submit(c.id(), a.id(), a == cy ? reversed(t.get()) : byId(t.get()), T0.plusSeconds(600));
            }
            var stats = s.stats(c.id(), ConsensusMethod.BORDA, 0.6);
            List<Judgement> exported = s.export(c.id()).judgements();
            assertEquals(16, exported.size());
            assertEquals(AgreementReport.of(exported, ConsensusMethod.BORDA, 0.6).getFirst(), stats.agreement());
            assertEquals(Agreement.krippendorffAlpha(exported), stats.krippendorffAlpha());
            // per unit (item, pair): three say first, one says second; 12 units.
            // n = 48, o_cc = 12 * (3*2/3) = 24; n_first = 36, n_second = 12: alpha = 1 - 47*(48-24)/(48^2-36^2-12^2)
            assertEquals(1 - 47.0 * 24 / (2304 - 1296 - 144), stats.krippendorffAlpha(), 1e-12);
            var byName = new HashMap<String, LabelingService.LabelerStats>();
            stats.labelers().forEach(l -> byName.put(l.name(), l));
            assertEquals(1.0, byName.get("ann").goldAccuracy());
            assertEquals(0.0, byName.get("cy").goldAccuracy());
            assertTrue(byName.get("cy").flaggedLowQuality());
            assertFalse(byName.get("ann").flaggedLowQuality());
            assertEquals(4, byName.get("ann").judgements());
            assertEquals(4 * 6.0, byName.get("ann").perHour(), 1e-9);   // 4 answers over the 10 minutes from lease to answer
            assertEquals(0.0, byName.get("cy").agreementWithConsensus());
            assertEquals(1.0, byName.get("ann").agreementWithConsensus());   // the others' consensus: by id
        }
    }

    @Test void passwordsAndLoginTokensAreStoredHashedAndTokensWorkOnce() throws Exception {
        String token;
        try (var s = open()) {
            Account admin = s.addAccount("root", Role.ADMIN, "correct horse");
            assertEquals(admin, s.checkPassword("root", "correct horse").orElseThrow());
            assertTrue(s.checkPassword("root", "wrong horse").isEmpty());
            assertTrue(s.checkPassword("nobody", "correct horse").isEmpty());
            assertThrows(IllegalArgumentException.class, () -> s.addAccount("root", Role.LABELER, null));
            Account ann = s.addAccount("ann", Role.LABELER, null);
            assertTrue(s.checkPassword("ann", "").isEmpty());
            token = s.issueLoginToken(ann.id());
            assertEquals(ann, s.redeemLoginToken(token).orElseThrow());
            assertTrue(s.redeemLoginToken(token).isEmpty());
            assertTrue(s.redeemLoginToken("forged").isEmpty());
            assertEquals(List.of(admin, ann), s.accounts());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("labels.db")); Statement st = c.createStatement()) {
            ResultSet rs = st.executeQuery("SELECT password_hash FROM accounts WHERE name = 'root'");
            assertTrue(rs.next());
            String hash = rs.getString(1);
            assertTrue(hash.startsWith("pbkdf2-sha256$") && !hash.contains("correct horse"), hash);
            rs = st.executeQuery("SELECT token_hash FROM login_tokens");
            assertTrue(rs.next());
            assertEquals(Secrets.sha256Hex(token), rs.getString(1));
            assertNotEquals(token, rs.getString(1));
        }
    }
}

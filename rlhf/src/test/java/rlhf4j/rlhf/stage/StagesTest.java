package rlhf4j.rlhf.stage;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.consensus.AgreementReport;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.data.PromptSource;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;

class StagesTest {
    static final Clock FIXED = Clock.fixed(Instant.parse("2024-05-01T12:00:00Z"), ZoneOffset.UTC);
    static final List<Prompt> PROMPTS = PromptSource.numbered(List.of("Once upon a time", "The cat sat", "Tom was sad"), "p");

    static Policy stories() throws Exception {
        return Policy.load(DataSets.file("stories260k/stories260K.bin"), null, Device.CPU);
    }

    static SampleStage.Config sampling() { return SampleStage.Config.defaults().withK(3).withMaxNewTokens(10).withTemperature(1.2).withSeed(5); }

    static byte[] bytes(Path p) throws Exception { return Files.readAllBytes(p); }

    @Test void sampleIsSeededIndependentOfBatchAndRepeatable(@TempDir Path dir) throws Exception {
        Policy policy = stories();
        var in = SampleStage.Input.of(policy, "stories260K", PROMPTS);
        var a = new SampleStage(sampling().withBatchSize(9), StageContext.quiet()).run(in, dir.resolve("a"));
        new SampleStage(sampling().withBatchSize(2), StageContext.quiet()).run(in, dir.resolve("b"));
        new SampleStage(sampling().withBatchSize(9), StageContext.quiet()).run(in, dir.resolve("c"));
        for (String f : List.of(FeedbackData.PROMPTS_FILE, FeedbackData.COMPLETIONS_FILE)) {
            assertArrayEquals(bytes(dir.resolve("a").resolve(f)), bytes(dir.resolve("b").resolve(f)), f);
            assertArrayEquals(bytes(dir.resolve("a").resolve(f)), bytes(dir.resolve("c").resolve(f)), f);
        }
        assertNull(a.heldOutPrompts());
        assertFalse(Files.exists(dir.resolve("a").resolve(SampleStage.EVAL_PROMPTS_FILE)));
        List<Completion> cs = Jsonl.read(a.completions(), FeedbackJson.COMPLETION);
        assertEquals(9, a.count());
        assertEquals(List.of("p1-s0", "p1-s1", "p1-s2", "p2-s0"), cs.subList(0, 4).stream().map(Completion::id).toList());
        assertEquals(cs.stream().mapToLong(c -> c.tokenIds().length).sum(), a.tokens());
        assertTrue(cs.stream().map(Completion::text).distinct().count() > 3, "samples should differ: " + cs);
        // completion k of prompt p: its recorded seed, and its text is what the policy makes of its ids
        int[] prompt = policy.encodePrompt(PROMPTS.get(1).text(), 10);
        Completion c = cs.get(4);
        assertEquals(rlhf4j.tensor.CounterRng.bits(5, 4), c.sampling().seed());
        assertEquals(policy.completionText(prompt, c.tokenIds()), c.text());
        assertTrue(c.tokenIds().length <= 10);
        for (Completion x : cs) {                                              // the stop token (BOS) ends a completion
            int[] ids = x.tokenIds();
            for (int i = 0; i < ids.length - 1; i++) assertNotEquals(LlamaTokenizer.BOS, ids[i]);
        }
    }

    @Test void outputsAreRefusedOrReplacedNeverAppended(@TempDir Path dir) throws Exception {
        var in = SampleStage.Input.of(stories(), "stories260K", PROMPTS.subList(0, 1));
        new SampleStage(sampling(), StageContext.quiet()).run(in, dir);
        byte[] first = bytes(dir.resolve(FeedbackData.COMPLETIONS_FILE));
        var e = assertThrows(IllegalArgumentException.class, () -> new SampleStage(sampling(), StageContext.quiet()).run(in, dir));
        assertTrue(e.getMessage().contains("prompts.jsonl already exists; pass --overwrite"), e.getMessage());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        StageContext replace = StageContext.quiet().withOutput(OutputMode.REPLACE).withErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        new SampleStage(sampling(), replace).run(in, dir);
        assertArrayEquals(first, bytes(dir.resolve(FeedbackData.COMPLETIONS_FILE)));
        assertTrue(log.toString().contains("replacing " + dir.resolve(FeedbackData.COMPLETIONS_FILE)), log.toString());
    }

    @Test void labelAndPairsAreRepeatableAndConsistent(@TempDir Path dir) throws Exception {
        new SampleStage(sampling(), StageContext.quiet()).run(SampleStage.Input.of(stories(), "stories260K", PROMPTS), dir.resolve("s"));
        FeedbackData samples = FeedbackData.readFrom(dir.resolve("s"));
        var sim = LabelStage.Simulated.of("afinn", List.of(0.0, 0.5), "sentiment", 11).withRandom(1);
        var config = LabelStage.Config.defaults().withSimulated(sim).withConsensus(ConsensusMethod.COPELAND);
        LabelStage.Result r = new LabelStage(config, StageContext.quiet(), FIXED).run(samples.prompts(), samples.completions(), dir.resolve("l1"));
        new LabelStage(config, StageContext.quiet(), FIXED).run(samples.prompts(), samples.completions(), dir.resolve("l2"));
        for (String f : List.of(LabelStage.JUDGEMENTS, LabelStage.AGREEMENT_TEXT, LabelStage.AGREEMENT_JSON))
            assertArrayEquals(bytes(dir.resolve("l1").resolve(f)), bytes(dir.resolve("l2").resolve(f)), f);
        var judgements = Jsonl.read(r.judgements(), FeedbackJson.JUDGEMENT);
        assertEquals(3 * 3, judgements.size());                                   // 3 labelers x 3 prompts
        assertEquals(List.of("sim-afinn-T0.0", "sim-afinn-T0.5", "random-1"), judgements.subList(0, 3).stream().map(j -> j.labelerId()).toList());
        assertEquals(FIXED.instant(), judgements.getFirst().time());
        // the agreement figures are those of the report over the written judgements
        AgreementReport report = LabelStage.agreement(judgements, ConsensusMethod.COPELAND, 0.6).getFirst();
        assertEquals(report.pairwise().value(), r.pairwiseAgreement());
        assertEquals(report.format(), Files.readString(r.agreementText()));
        assertTrue(Files.readString(r.agreementJson()).contains("\"criterion\": \"sentiment\""));

        FeedbackData labelled = new FeedbackData(samples.prompts(), samples.completions(), judgements);
        var p1 = new PairsStage(PairsStage.Config.parse("copeland"), StageContext.quiet()).run(labelled, dir.resolve("g1"));
        new PairsStage(PairsStage.Config.parse("copeland"), StageContext.quiet()).run(labelled, dir.resolve("g2"));
        assertArrayEquals(bytes(p1.groups()), bytes(dir.resolve("g2").resolve(PairsStage.GROUPS)));
        List<PreferenceGroup> groups = Jsonl.read(p1.groups(), PreferenceGroup.JSON);
        assertEquals(p1.groupCount(), groups.size());
        assertEquals(p1.pairCount(), groups.stream().mapToInt(g -> g.pairs().size()).sum());
        assertTrue(groups.size() <= 3 && !groups.isEmpty());
        var perJudgement = new PairsStage(PairsStage.Config.parse("none"), StageContext.quiet()).run(labelled, dir.resolve("g3"));
        assertTrue(perJudgement.groupCount() > groups.size(), perJudgement + " vs " + groups.size());
        var e = assertThrows(IllegalArgumentException.class, () -> PairsStage.Config.parse("majority"));
        assertTrue(e.getMessage().contains("none, borda or copeland"), e.getMessage());
    }

    @Test void labelFromAJudgementsFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mine.jsonl");
        Files.writeString(file, """
                {"labeler": "ann", "criterion": "fun", "prompt_id": "p1", "ranking": [["a"], ["b"]]}
                {"labeler": "bob", "criterion": "fun", "prompt_id": "p1", "ranking": [["b"], ["a"]]}
                """);
        var r = new LabelStage(LabelStage.Config.defaults().withJudgementsFile(file), StageContext.quiet()).run(List.of(), List.of(), dir.resolve("out"));
        assertEquals(2, r.count());
        assertEquals(0.0, r.pairwiseAgreement());
        assertEquals(Jsonl.read(file, FeedbackJson.JUDGEMENT), Jsonl.read(r.judgements(), FeedbackJson.JUDGEMENT));
        var missing = assertThrows(java.nio.file.NoSuchFileException.class, () -> new LabelStage(LabelStage.Config.defaults()
                .withJudgementsFile(dir.resolve("none.jsonl")), StageContext.quiet()).run(List.of(), List.of(), dir.resolve("out2")));
        assertTrue(missing.getMessage().contains("none.jsonl"));
    }

    @Test void pretrainedPolicyLoadsBackAndStopsAtEndOfText(@TempDir Path dir) throws Exception {
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), "the cat sat on the mat\n\nthe dog ran to the cat\n".repeat(20));
        List<String> texts = PolicyPretrainStage.corpus(corpus.toString());
        assertEquals(40, texts.size());
        var config = PolicyPretrainStage.Config.defaults().withShape(new PolicyPretrainStage.Shape(1, 2, 16, 16, 270))
                .withTraining(new PolicyPretrainStage.Training(4, 2, 1e-3, 3));
        var r = new PolicyPretrainStage(config, StageContext.quiet()).run(texts, dir.resolve("policy"));
        assertTrue(Double.isFinite(r.finalLoss()));
        Policy p = Policy.load(r.policy(), null, Device.CPU);
        assertEquals(p.tokenizer().eosId(), p.stopToken());
        assertEquals(270, p.tokenizer().vocabSize());
        assertEquals(16, p.model().contextLength());
        var e = assertThrows(IllegalArgumentException.class, () -> PolicyPretrainStage.corpus(dir.resolve("none.txt").toString()));
        assertTrue(e.getMessage().contains("none.txt"), e.getMessage());
    }
}

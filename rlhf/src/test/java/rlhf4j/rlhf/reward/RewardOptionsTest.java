package rlhf4j.rlhf.reward;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.autograd.Variable;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.consensus.PreferenceGroups;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;

/** The reward model's options: label margins, centring, normalisation from its own data, ensembles. */
class RewardOptionsTest {
    static final PairwiseLoss.Pairs ONE = new PairwiseLoss.Pairs(new int[]{0}, new int[]{1}, new float[]{1f}, new float[]{0.5f});

    static double sigma(double x) { return 1 / (1 + Math.exp(-x)); }

    @Test void aPairsOwnMarginAddsToTheConstantOne() {
        // r_w = 1, r_l = 0, label margin 0.5: log(1 + e^−0.5) = 0.4740770; plus m0 = 0.25: log(1 + e^−0.25) = 0.5759394
        assertEquals(0.4740770, PairwiseLoss.loss(Variable.leaf(Tensor.of(1f, 0f)), ONE, 0).item(), 1e-6);
        Variable r = Variable.leaf(Tensor.of(1f, 0f));
        Variable loss = PairwiseLoss.loss(r, ONE, 0.25);
        assertEquals(0.5759394, loss.item(), 1e-6);
        loss.backward();
        assertArrayEquals(new float[]{(float) -sigma(-0.25), (float) sigma(-0.25)}, r.grad().toFloatArray(), 1e-6f);
        assertEquals(0.5759394, PairwiseLoss.reference(new float[]{1f, 0f}, ONE, 0.25), 1e-6);
    }

    @Test void centringHandValuesAndGradient() {
        // r = (1, 0.5), c = 0.1, no margin: softplus(−0.5) + 0.1·1.5² = 0.4740770 + 0.225
        var pair = PairwiseLoss.Pairs.uniform(new int[]{0}, new int[]{1});
        Variable r = Variable.leaf(Tensor.of(1f, 0.5f));
        Variable loss = PairwiseLoss.loss(r, pair, 0, 0.1);
        assertEquals(0.6990770, loss.item(), 1e-6);
        loss.backward();
        // ∂/∂r_w = −σ(−0.5) + 2·0.1·1.5 = −0.0775407, ∂/∂r_l = σ(−0.5) + 0.3 = 0.6775407
        assertArrayEquals(new float[]{-0.0775407f, 0.6775407f}, r.grad().toFloatArray(), 1e-6f);
    }

    @Test void centredLossWithMarginsMatchesFiniteDifferences() {
        Random rnd = new Random(5);
        float[] r0 = new float[7];
        for (int i = 0; i < r0.length; i++) r0[i] = (float) rnd.nextGaussian();
        List<PreferenceGroup> groups = List.of(group("a", 3, new double[]{0.5, 0, 2}), group("b", 4, new double[]{1, 0.25, 0, 0, 3, 1}));
        var pairs = PairwiseLoss.Pairs.ofGroups(groups);
        assertEquals(3f, pairs.margins()[7]);
        Variable r = Variable.leaf(Tensor.of(r0.clone()));
        Variable loss = PairwiseLoss.loss(r, pairs, 0.1, 0.05);
        assertEquals(PairwiseLoss.reference(r0, pairs, 0.1, 0.05), loss.item(), 1e-5);
        loss.backward();
        float[] g = r.grad().toFloatArray();
        for (int i = 0; i < r0.length; i++) {
            float[] up = r0.clone(), down = r0.clone();
            up[i] += 1e-3f;
            down[i] -= 1e-3f;
            double fd = (PairwiseLoss.reference(up, pairs, 0.1, 0.05) - PairwiseLoss.reference(down, pairs, 0.1, 0.05)) / 2e-3;
            assertEquals(fd, g[i], 2e-4, "row " + i);
        }
    }

    /** A group of k completions, all pairs (i over j, i < j) with the given margins in order. */
    static PreferenceGroup group(String id, int k, double[] margins) {
        List<Completion> cs = new java.util.ArrayList<>();
        for (int i = 0; i < k; i++) cs.add(new Completion(id + i, id, "c" + i));
        List<PreferenceGroup.IndexPair> pairs = new java.util.ArrayList<>();
        int m = 0;
        for (int i = 0; i < k; i++) for (int j = i + 1; j < k; j++) pairs.add(new PreferenceGroup.IndexPair(i, j, margins[m++]));
        return new PreferenceGroup("test", "x", new Prompt(id, "p"), cs, pairs);
    }

    @Test void marginsTravelInTheGroupsFileAndBadOnesAreNamed(@TempDir Path dir) throws Exception {
        PreferenceGroup g = group("a", 3, new double[]{0.5, 0, 2});
        JsonObject json = PreferenceGroup.JSON.toJson(g);
        assertEquals("[[0,1,0.5],[0,2],[1,2,2.0]]", json.get("pairs").toString(), "a pair without a margin is written as before");
        assertEquals(g, PreferenceGroup.JSON.fromJson(json));
        json.add("pairs", JsonParser.parseString("[[0,1,-1]]"));
        assertEquals("field 'pairs[0][2]' is -1.0, a margin must be finite and >= 0",
                assertThrows(IllegalArgumentException.class, () -> PreferenceGroup.JSON.fromJson(json)).getMessage());
        json.add("pairs", JsonParser.parseString("[[0,1,\"big\"]]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PreferenceGroup.JSON.fromJson(json)).getMessage()
                .startsWith("field 'pairs[0][2]' must be a number"));
    }

    @Test void agreementMarginsCountTiesForNeitherSide() {
        // PandaLM-style items: two answers, three annotators; 1 = x better, 0 = tie
        Prompt p = new Prompt("p", "q");
        List<Completion> xy = List.of(new Completion("x", "p", "X"), new Completion("y", "p", "Y"));
        List<Completion> uv = List.of(new Completion("u", "p", "U"), new Completion("v", "p", "V"));
        List<Judgement> js = List.of(
                Judgement.of("a1", "h", "p", Ranking.strict("x", "y"), null), Judgement.of("a2", "h", "p", Ranking.strict("x", "y"), null),
                Judgement.of("a3", "h", "p", Ranking.of(new String[]{"x", "y"}), null),
                Judgement.of("a1", "h", "p", Ranking.strict("u", "v"), null), Judgement.of("a2", "h", "p", Ranking.strict("v", "u"), null),
                Judgement.of("a3", "h", "p", Ranking.strict("u", "v"), null));
        List<PreferenceGroup> groups = List.of(PreferenceGroup.of("consensus:borda", "h", p, xy, Ranking.strict("x", "y")),
                PreferenceGroup.of("consensus:borda", "h", p, uv, Ranking.strict("u", "v")));
        List<PreferenceGroup> m = PreferenceGroups.withAgreementMargins(groups, js);
        assertEquals(2.0 / 3, m.get(0).pairs().getFirst().margin(), 1e-12, "two for, one tie");
        assertEquals(1.0 / 3, m.get(1).pairs().getFirst().margin(), 1e-12, "two for, one against");
    }

    @Test void labelsPairsWritesAgreementMargins(@TempDir Path dir) throws Exception {
        Prompt p = new Prompt("p", "q");
        List<Completion> cs = List.of(new Completion("x", "p", "X"), new Completion("y", "p", "Y"));
        List<Judgement> js = List.of(Judgement.of("a1", "h", "p", Ranking.strict("x", "y"), null),
                Judgement.of("a2", "h", "p", Ranking.strict("x", "y"), null), Judgement.of("a3", "h", "p", Ranking.of(new String[]{"x", "y"}), null));
        JsonlWriter.writeAll(dir.resolve("prompts.jsonl"), rlhf4j.rlhf.feedback.FeedbackJson.PROMPT, List.of(p));
        JsonlWriter.writeAll(dir.resolve("completions.jsonl"), rlhf4j.rlhf.feedback.FeedbackJson.COMPLETION, cs);
        JsonlWriter.writeAll(dir.resolve("judgements.jsonl"), rlhf4j.rlhf.feedback.FeedbackJson.JUDGEMENT, js);
        var r = cli("labels", "pairs", "--dir", dir.toString(), "--consensus", "borda", "--agreement-margins", "--out", dir.resolve("g").toString());
        assertEquals(0, r.code(), r.err());
        PreferenceGroup g = rlhf4j.rlhf.stage.RewardModelStage.readGroups(dir.resolve("g/groups.jsonl")).getFirst();
        assertEquals(2.0 / 3, g.pairs().getFirst().margin(), 1e-12, "two annotators for, one tie");
        var bad = cli("labels", "pairs", "--dir", dir.toString(), "--agreement-margins", "--out", dir.resolve("h").toString());
        assertEquals(2, bad.code());
        assertEquals("rlhf4j labels pairs: --agreement-margins needs --consensus borda or copeland (one judgement alone has no agreement)",
                bad.err().strip());
    }

    /** On the PandaLM test set (three annotators, ties allowed) the borda pairs carry margins ⅓, ⅔ or 1, counted from the file. */
    @Test void pandaLmAgreementMarginsFollowTheAnnotators() throws Exception {
        var data = new rlhf4j.rlhf.feedback.PandaLmImporter().importFile(rlhf4j.transformer.data.DataSets.file("pandalm/testset-v1.json")).data();
        List<PreferenceGroup> groups = PreferenceGroups.withAgreementMargins(
                PreferenceGroups.consensus(data, rlhf4j.rlhf.consensus.ConsensusMethod.BORDA), data.judgements());
        java.util.Map<String, List<Judgement>> byPrompt = new java.util.HashMap<>();
        for (Judgement j : data.judgements()) byPrompt.computeIfAbsent(j.item().toString(), k -> new java.util.ArrayList<>()).add(j);
        java.util.Set<Double> seen = new java.util.TreeSet<>();
        for (PreferenceGroup g : groups) {
            var pair = g.pairs().getFirst();
            String w = g.completions().get(pair.winner()).id(), l = g.completions().get(pair.loser()).id();
            int net = 0;
            for (Judgement j : byPrompt.get(rlhf4j.rlhf.feedback.ItemKey.of(g.criterion(), g.prompt().id(),
                    g.completions().stream().map(Completion::id).toList()).toString()))
                net += j.ranking().tierOf(w) < j.ranking().tierOf(l) ? 1 : j.ranking().tierOf(w) > j.ranking().tierOf(l) ? -1 : 0;
            assertEquals(Math.max(0, net / 3.0), pair.margin(), 1e-12, g.prompt().id());
            seen.add(Math.round(pair.margin() * 3) / 3.0);
        }
        assertTrue(groups.size() > 900, "groups " + groups.size());
        assertTrue(seen.containsAll(List.of(1 / 3.0, 2 / 3.0, 1.0)), "margins seen: " + seen);
    }

    @Test void aggregatesMatchHandValues() {
        double[] r = {1, 2, 6};                                    // mean 3, population std √(14/3) = 2.1602469
        assertEquals(3.0, RewardSource.Aggregate.parse("mean").combine(r), 1e-12);
        assertEquals(1.0, RewardSource.Aggregate.parse("min").combine(r), 1e-12);
        assertEquals(3 - 0.5 * 2.1602469, RewardSource.Aggregate.parse("lcb=0.5").combine(r), 1e-7);
        assertEquals(3.0, RewardSource.Aggregate.parse("lcb=0").combine(r), 1e-12);
        for (String bad : List.of("median", "lcb=x", "lcb=-1"))
            assertThrows(IllegalArgumentException.class, () -> RewardSource.Aggregate.parse(bad), bad);
    }

    @Test void normalisationIsSavedAndAppliedAndEnsemblesCombineTheirMembers(@TempDir Path dir) throws Exception {
        RewardModel a = RewardModelTest.tinyModel(1), b = RewardModelTest.tinyModel(2);
        List<String> texts = List.of("ab>cx", "ab>hh", "cd>xx", "ef>gab");
        float[] ra = a.scoreIds(texts.stream().map(a.scoring::encode).toList()), rb = b.scoreIds(texts.stream().map(b.scoring::encode).toList());
        double mean = 0, sq = 0;
        for (float x : ra) mean += x;
        mean /= ra.length;
        for (float x : ra) sq += (x - mean) * (x - mean);
        RewardModel.Standardization st = a.standardize(texts.stream().map(a.scoring::encode).toList());
        assertEquals(mean, st.mean(), 1e-6);
        assertEquals(Math.sqrt(sq / ra.length), st.std(), 1e-6);
        a.save(dir.resolve("a"), null);
        b.save(dir.resolve("b"), null);                           // an old-style directory: no normalisation
        JsonObject cfg = JsonParser.parseString(Files.readString(dir.resolve("a/model.json"))).getAsJsonObject();
        assertEquals("training completions", cfg.getAsJsonObject(RewardModel.STANDARDIZATION_KEY).get("source").getAsString());

        List<RewardFunction.Sample> samples = texts.stream().map(t -> new RewardFunction.Sample(t.substring(0, 3), t.substring(3), null, null)).toList();
        float[] na = RewardSource.parse("rm:" + dir.resolve("a")).load(Device.CPU).score(samples);
        float[] nb = RewardSource.parse("rm:" + dir.resolve("b")).load(Device.CPU).score(samples);
        for (int i = 0; i < texts.size(); i++) {
            assertEquals((ra[i] - st.mean()) / st.std(), na[i], 1e-5, "rm:DIR applies (r − μ)/σ");
            assertEquals(rb[i], nb[i], 1e-6, "a directory without it scores raw");
        }
        float[] standardized = na.clone();
        double m2 = 0;
        for (float x : standardized) m2 += x;
        assertEquals(0, m2 / standardized.length, 1e-5, "the training completions score mean 0 after it");

        String members = "rm:" + dir.resolve("a") + ",rm:" + dir.resolve("b");
        float[] mean2 = RewardSource.parse("ensemble:mean:" + members).load(Device.CPU).score(samples);
        float[] lcb = RewardSource.parse("ensemble:lcb=2:" + members).load(Device.CPU).score(samples);
        float[] min = RewardSource.parse("ensemble:min:" + members).load(Device.CPU).score(samples);
        for (int i = 0; i < texts.size(); i++) {
            double m = (na[i] + nb[i]) / 2.0, sd = Math.abs(na[i] - nb[i]) / 2.0;   // two members: σ = |r1 − r2| / 2
            assertEquals(m, mean2[i], 1e-6);
            assertEquals(m - 2 * sd, lcb[i], 1e-6);
            assertEquals(Math.min(na[i], nb[i]), min[i], 1e-6);
        }
    }

    @Test void ensembleSpecsParseAndPrintBack() {
        RewardSource e = RewardSource.parse("ensemble:lcb=1.5:rm:a,oracle:vader,classifier:c:hate");
        assertEquals(new RewardSource.Ensemble(new RewardSource.LowerBound(1.5), List.of(new RewardSource.RewardModelDir(Path.of("a")),
                new RewardSource.Oracle("vader"), new RewardSource.ClassifierClass(Path.of("c"), "hate"))), e);
        assertEquals("ensemble:lcb=1.5:rm:a,oracle:vader,classifier:c:hate", e.spec());
        assertEquals(e, RewardSource.parse(e.spec()));
        for (String bad : List.of("ensemble:mean", "ensemble:mean:rm:a", "ensemble:avg:rm:a,rm:b", "ensemble:mean:rm:a,,rm:b",
                "ensemble:mean:rm:a,ensemble:mean:rm:b,rm:c"))
            assertThrows(IllegalArgumentException.class, () -> RewardSource.parse(bad), bad);
    }

    /** The command line with its error handling (user errors: one line, exit 2). */
    static CommandsTest.Run cli(String... args) {
        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        picocli.CommandLine cl = rlhf4j.cli.Main.commandLine();
        cl.setOut(new java.io.PrintWriter(out));
        cl.setErr(new java.io.PrintWriter(err));
        int code = cl.execute(args);
        return new CommandsTest.Run(code, out.toString(), err.toString());
    }

    @Test void rewardTrainWritesItsOptionsAndRefusesBadOnes(@TempDir Path dir) throws Exception {
        Path pairs = dir.resolve("groups.jsonl");
        try (var w = JsonlWriter.append(pairs, PreferenceGroup.JSON)) {
            for (PreferenceGroup g : RewardModelTest.groups(30, 7))
                w.write(new PreferenceGroup(g.source(), g.criterion(), g.prompt(), g.completions(),
                        g.pairs().stream().map(p -> new PreferenceGroup.IndexPair(p.winner(), p.loser(), 0.5)).toList()));
        }
        Path out = dir.resolve("rm");
        var r = CommandsTest.run("reward", "train", "--pairs", pairs.toString(), "--scratch", "--layers", "1", "--heads", "2", "--width", "16",
                "--context", "32", "--bpe-vocab", "270", "--max-length", "32", "--epochs", "1", "--out", out.toString(),
                "--center-rewards-coefficient", "0.01", "--label-margin", "2", "--normalize");
        assertEquals(0, r.code(), r.err());
        JsonObject cfg = JsonParser.parseString(Files.readString(out.resolve("model.json"))).getAsJsonObject();
        assertEquals(0.01, cfg.get("center_rewards_coefficient").getAsDouble());
        assertEquals(2.0, cfg.get("label_margin_weight").getAsDouble());
        assertEquals(RewardModel.load(out, Device.CPU).standardization().std(), cfg.getAsJsonObject("reward_normalization").get("std").getAsDouble());

        var bad = cli("reward", "train", "--pairs", pairs.toString(), "--scratch", "--out", dir.resolve("x").toString(),
                "--agreement-margins");
        assertEquals(2, bad.code());
        assertEquals("rlhf4j reward train: --agreement-margins needs --dir (the judgements); a --pairs file carries its margins as [w, l, m]",
                bad.err().strip());
        bad = cli("reward", "train", "--pairs", pairs.toString(), "--scratch", "--out", dir.resolve("x").toString(),
                "--center-rewards-coefficient", "-1");
        assertEquals(2, bad.code());
        assertEquals("rlhf4j reward train: reward centring coefficient -1.0 must be >= 0", bad.err().strip());
    }
}

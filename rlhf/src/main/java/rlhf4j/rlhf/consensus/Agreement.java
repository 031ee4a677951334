package rlhf4j.rlhf.consensus;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import rlhf4j.rlhf.feedback.ItemKey;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.PairwiseChoice;
import rlhf4j.rlhf.feedback.Ranking;

/**
 * Inter-labeler agreement. Every statistic looks at the same units: within one item, one unordered pair of
 * completions {a, b} (taken with a before b in id order), on which each judgement makes one of three choices — a
 * better, b better, or a tie ({@link PairwiseChoice}). Each usable judgement counts as one rater; judgements flagged
 * unusable are ignored.
 */
public final class Agreement {
    private Agreement() {}

    /** {@code agreeing} out of {@code total}; {@link #value()} is NaN when nothing was compared. */
    public record Fraction(long agreeing, long total) {
        public double value() { return total == 0 ? Double.NaN : (double) agreeing / total; }
    }

    /** Two labelers, in id order. */
    public record LabelerPair(String first, String second) {
        public static LabelerPair of(String a, String b) {
            return a.compareTo(b) <= 0 ? new LabelerPair(a, b) : new LabelerPair(b, a);
        }
    }

    /** A mean and how many values went into it. */
    public record Mean(double mean, int count) {}

    /**
     * Pairwise agreement: over every item, every completion pair and every two judgements that both rank it, the
     * fraction where the two make the same choice (a tie agrees only with a tie).
     */
    public static Fraction pairwiseAgreement(Collection<Judgement> judgements) {
        long agreeing = 0, total = 0;
        for (long[] counts : choiceCounts(judgements)) {
            long raters = counts[0] + counts[1] + counts[2];
            total += raters * (raters - 1) / 2;
            for (long n : counts) agreeing += n * (n - 1) / 2;  // rater pairs inside one category agree
        }
        return new Fraction(agreeing, total);
    }

    /**
     * Fleiss' kappa over the pairwise choices: the subjects are (item, completion pair) units rated by at least two
     * judgements, the categories are first better / second better / tie. See {@link #fleissKappa(long[][])}.
     * The pair's "first" is the smaller id, so κ's chance term depends on how ids are assigned: ids that follow
     * quality (say {@code x-chosen}, {@code x-rejected}) make one category dominate and push κ down even when
     * labelers agree well (the kappa "prevalence paradox"); read it beside the pairwise agreement.
     */
    public static double fleissKappa(Collection<Judgement> judgements) {
        return fleissKappa(choiceCounts(judgements).toArray(long[][]::new));
    }

    /**
     * Fleiss' kappa of a subjects × categories table of rating counts: {@code counts[i][j]} raters put subject i in
     * category j. κ = (P̄ − P̄e) / (1 − P̄e), where P̄ is the mean over subjects of the share of agreeing rater pairs,
     * P_i = Σ_j n_ij (n_ij − 1) / (n_i (n_i − 1)), and P̄e = Σ_j p_j² with p_j the share of all ratings in category j.
     * Subjects may have different numbers of raters n_i (subjects with fewer than two are skipped); with a constant n
     * this is exactly Fleiss (1971). NaN when every rating falls in one category (P̄e = 1).
     */
    public static double fleissKappa(long[][] counts) {
        if (counts.length == 0) return Double.NaN;
        int categories = counts[0].length;
        double[] perCategory = new double[categories];
        double ratings = 0, sumP = 0;
        int subjects = 0;
        for (long[] row : counts) {
            if (row.length != categories) throw new IllegalArgumentException("rows of different lengths in the count table");
            long n = 0, agreeingPairs = 0;
            for (long c : row) {
                n += c;
                agreeingPairs += c * (c - 1);
            }
            if (n < 2) continue;
            subjects++;
            sumP += (double) agreeingPairs / (n * (n - 1));
            for (int j = 0; j < categories; j++) perCategory[j] += row[j];
            ratings += n;
        }
        if (subjects == 0) return Double.NaN;
        double pBar = sumP / subjects;
        double pExpected = 0;
        for (double c : perCategory) pExpected += (c / ratings) * (c / ratings);
        return pExpected == 1.0 ? Double.NaN : (pBar - pExpected) / (1 - pExpected);
    }

    /**
     * Krippendorff's α for nominal data over the same pairwise choices as {@link #fleissKappa(Collection)}: the units
     * are (item, completion pair), the values first better / second better / tie, each usable judgement a coder. See
     * {@link #krippendorffAlpha(long[][])}.
     */
    public static double krippendorffAlpha(Collection<Judgement> judgements) {
        return krippendorffAlpha(choiceCounts(judgements).toArray(long[][]::new));
    }

    /**
     * Krippendorff's α for nominal data of a units × values table of counts: {@code counts[u][c]} coders gave unit u
     * value c. Only units with m_u ≥ 2 values are pairable. From the coincidences o_cc = Σ_u n_uc (n_uc − 1) / (m_u − 1)
     * and the pairable totals n_c = Σ_u n_uc, n = Σ_c n_c:
     * α = 1 − D_o / D_e = 1 − (n − 1) (n − Σ_c o_cc) / (n² − Σ_c n_c²)
     * (Krippendorff, Content Analysis, 2004, §11.3; his worked example of 4 coders on 12 units gives 0.743). Unlike
     * Fleiss' κ it weighs units by their pairable values and corrects for small samples (the n − 1). NaN when no unit is
     * pairable or every value is the same (D_e = 0).
     */
    public static double krippendorffAlpha(long[][] counts) {
        double n = 0, coincident = 0;
        double[] perValue = new double[counts.length == 0 ? 0 : counts[0].length];
        for (long[] unit : counts) {
            if (unit.length != perValue.length) throw new IllegalArgumentException("rows of different lengths in the count table");
            long m = 0;
            for (long c : unit) m += c;
            if (m < 2) continue;
            for (int c = 0; c < unit.length; c++) {
                coincident += (double) unit[c] * (unit[c] - 1) / (m - 1);
                perValue[c] += unit[c];
            }
            n += m;
        }
        double sumSquares = 0;
        for (double nc : perValue) sumSquares += nc * nc;
        double expected = n * n - sumSquares;
        return n == 0 || expected == 0 ? Double.NaN : 1 - (n - 1) * (n - coincident) / expected;
    }

    /**
     * Kendall's τ-b between two rankings over the completions both rank:
     * τ_b = (n_c − n_d) / sqrt((n_0 − n_x)(n_0 − n_y)), with n_c / n_d the concordant / discordant pairs, n_0 all
     * pairs, n_x / n_y the pairs tied in x / in y. A pair tied in either ranking is neither concordant nor discordant.
     * NaN when a denominator factor is 0 (fewer than two common completions, or one ranking ties everything).
     */
    public static double kendallTauB(Ranking x, Ranking y) {
        Map<String, Integer> tx = x.tierIndex(), ty = y.tierIndex();
        List<String> common = tx.keySet().stream().filter(ty::containsKey).sorted().toList();
        long concordant = 0, discordant = 0, tiedX = 0, tiedY = 0, pairs = 0;
        for (int i = 0; i < common.size(); i++) {
            for (int j = i + 1; j < common.size(); j++) {
                String a = common.get(i), b = common.get(j);
                int dx = Integer.signum(tx.get(a) - tx.get(b)), dy = Integer.signum(ty.get(a) - ty.get(b));
                pairs++;
                if (dx == 0) tiedX++;
                if (dy == 0) tiedY++;
                if (dx * dy > 0) concordant++;
                else if (dx * dy < 0) discordant++;
            }
        }
        double denominator = Math.sqrt((double) (pairs - tiedX) * (pairs - tiedY));
        return denominator == 0 ? Double.NaN : (concordant - discordant) / denominator;
    }

    /**
     * Kendall's τ-b of each two labelers, averaged over the items both judged (items where τ-b is undefined, e.g. a
     * two-completion item that one labeler tied, are left out of the average and of the count).
     */
    public static Map<LabelerPair, Mean> meanKendallTau(Collection<Judgement> judgements) {
        Map<LabelerPair, double[]> sums = new TreeMap<>(PAIR_ORDER);  // {sum, count}
        for (List<Judgement> item : Consensus.byItem(judgements).values()) {
            for (int i = 0; i < item.size(); i++) {
                for (int j = i + 1; j < item.size(); j++) {
                    Judgement a = item.get(i), b = item.get(j);
                    if (a.labelerId().equals(b.labelerId())) continue;
                    double tau = kendallTauB(a.ranking(), b.ranking());
                    if (Double.isNaN(tau)) continue;
                    double[] s = sums.computeIfAbsent(LabelerPair.of(a.labelerId(), b.labelerId()), k -> new double[2]);
                    s[0] += tau;
                    s[1]++;
                }
            }
        }
        Map<LabelerPair, Mean> means = new TreeMap<>(PAIR_ORDER);
        sums.forEach((pair, s) -> means.put(pair, new Mean(s[0] / s[1], (int) s[1])));
        return means;
    }

    /** The mean of {@link #meanKendallTau} over labeler pairs, weighted by the items each pair shares. */
    public static Mean overallKendallTau(Map<LabelerPair, Mean> perPair) {
        double sum = 0;
        int count = 0;
        for (Mean m : perPair.values()) {
            sum += m.mean() * m.count();
            count += m.count();
        }
        return new Mean(count == 0 ? Double.NaN : sum / count, count);
    }

    /** One labeler's agreement with the consensus and whether it falls below the threshold. */
    public record LabelerAgreement(String labeler, int judgements, Fraction withConsensus, boolean flagged) {}

    /**
     * Each labeler's agreement with the consensus: over the completion pairs of every item the labeler ranked, the
     * fraction where the labeler's choice (first, second or tie) equals the consensus ranking's choice. With
     * {@code leaveOneOut} the consensus a judgement is compared with is built from the item's other judgements only
     * (items with no other judgement are then skipped), so that a labeler does not agree with itself. Labelers below
     * {@code threshold} are flagged.
     */
    public static List<LabelerAgreement> agreementWithConsensus(Collection<Judgement> judgements, ConsensusMethod method,
                                                                boolean leaveOneOut, double threshold) {
        Map<String, long[]> counts = new TreeMap<>();  // labeler → {agreeing, total, judgements}
        for (List<Judgement> item : Consensus.byItem(judgements).values()) {
            Ranking all = method.aggregate(item.stream().map(Judgement::ranking).toList());
            for (Judgement j : item) {
                long[] c = counts.computeIfAbsent(j.labelerId(), k -> new long[3]);
                Ranking consensus = all;
                if (leaveOneOut) {
                    List<Ranking> others = item.stream().filter(o -> o != j).map(Judgement::ranking).toList();
                    if (others.isEmpty()) continue;
                    consensus = method.aggregate(others);
                }
                c[2]++;
                List<String> ids = j.ranking().ids().stream().sorted().toList();
                for (int a = 0; a < ids.size(); a++) {
                    for (int b = a + 1; b < ids.size(); b++) {
                        c[1]++;
                        if (j.ranking().choice(ids.get(a), ids.get(b)) == consensus.choice(ids.get(a), ids.get(b))) c[0]++;
                    }
                }
            }
        }
        List<LabelerAgreement> result = new ArrayList<>();
        counts.forEach((labeler, c) -> {
            var fraction = new Fraction(c[0], c[1]);
            result.add(new LabelerAgreement(labeler, (int) c[2], fraction, fraction.value() < threshold));
        });
        return result;
    }

    /** For every (item, completion pair) unit: how many judgements chose first / second / tie. */
    static List<long[]> choiceCounts(Collection<Judgement> judgements) {
        List<long[]> units = new ArrayList<>();
        for (Map.Entry<ItemKey, List<Judgement>> item : Consensus.byItem(judgements).entrySet()) {
            List<String> ids = item.getKey().completionIds();  // sorted
            for (int a = 0; a < ids.size(); a++) {
                for (int b = a + 1; b < ids.size(); b++) {
                    long[] counts = new long[3];
                    for (Judgement j : item.getValue()) counts[j.ranking().choice(ids.get(a), ids.get(b)).ordinal()]++;
                    units.add(counts);
                }
            }
        }
        return units;
    }

    private static final java.util.Comparator<LabelerPair> PAIR_ORDER =
            java.util.Comparator.comparing(LabelerPair::first).thenComparing(LabelerPair::second);
}

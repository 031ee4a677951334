package rlhf4j.rlhf.consensus;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import rlhf4j.rlhf.feedback.Judgement;

/**
 * The agreement statistics of one criterion's judgements, as {@code rlhf4j labels stats} prints them.
 *
 * @param criterion    the criterion
 * @param counts       how many judgements, labelers and items went in
 * @param coefficients the agreement coefficients over all labelers
 * @param byLabeler    each labeler's agreement with the consensus
 * @param method       the consensus method behind {@code byLabeler}
 * @param threshold    the agreement below which a labeler is flagged
 */
public record AgreementReport(String criterion, Counts counts, Coefficients coefficients, ByLabeler byLabeler,
                              ConsensusMethod method, double threshold) {

    /**
     * @param judgements      usable judgements
     * @param flaggedUnusable judgements flagged unusable (left out of everything else)
     * @param labelers        distinct labelers
     * @param items           items (prompt + completion set) judged
     * @param multiplyJudged  items with two or more judgements, the only ones agreement can be measured on
     */
    public record Counts(int judgements, int flaggedUnusable, int labelers, int items, int multiplyJudged) {}

    /**
     * @param pairwise          pairwise agreement
     * @param fleissKappa       Fleiss' κ over the pairwise choices
     * @param krippendorffAlpha Krippendorff's α (nominal) over the same pairwise choices
     * @param tauPerLabelerPair Kendall's τ-b per labeler pair, averaged over shared items
     * @param tauOverall        the item-weighted mean of those
     */
    public record Coefficients(Agreement.Fraction pairwise, double fleissKappa, double krippendorffAlpha,
                               Map<Agreement.LabelerPair, Agreement.Mean> tauPerLabelerPair, Agreement.Mean tauOverall) {}

    /**
     * @param withConsensus each labeler's agreement with the consensus of all judgements
     * @param withOthers    each labeler's agreement with the consensus of the other judgements (leave-one-out)
     */
    public record ByLabeler(List<Agreement.LabelerAgreement> withConsensus, List<Agreement.LabelerAgreement> withOthers) {}

    /** One report per criterion found in {@code judgements}. */
    public static List<AgreementReport> of(Collection<Judgement> judgements, ConsensusMethod method, double threshold) {
        Map<String, List<Judgement>> byCriterion = new TreeMap<>();
        for (Judgement j : judgements) byCriterion.computeIfAbsent(j.criterion(), k -> new ArrayList<>()).add(j);
        List<AgreementReport> reports = new ArrayList<>();
        byCriterion.forEach((criterion, js) -> reports.add(ofCriterion(criterion, js, method, threshold)));
        return reports;
    }

    private static AgreementReport ofCriterion(String criterion, List<Judgement> js, ConsensusMethod method,
                                               double threshold) {
        List<Judgement> usable = js.stream().filter(j -> !j.unusable()).toList();
        var items = Consensus.byItem(usable);
        var counts = new Counts(usable.size(), js.size() - usable.size(),
                new TreeSet<>(usable.stream().map(Judgement::labelerId).toList()).size(), items.size(),
                (int) items.values().stream().filter(l -> l.size() >= 2).count());
        var tau = Agreement.meanKendallTau(usable);
        var coefficients = new Coefficients(Agreement.pairwiseAgreement(usable), Agreement.fleissKappa(usable),
                Agreement.krippendorffAlpha(usable), tau, Agreement.overallKendallTau(tau));
        var byLabeler = new ByLabeler(Agreement.agreementWithConsensus(usable, method, false, threshold),
                Agreement.agreementWithConsensus(usable, method, true, threshold));
        return new AgreementReport(criterion, counts, coefficients, byLabeler, method, threshold);
    }

    public int judgements() { return counts.judgements(); }

    public int flaggedUnusable() { return counts.flaggedUnusable(); }

    public int labelers() { return counts.labelers(); }

    public int items() { return counts.items(); }

    public int multiplyJudged() { return counts.multiplyJudged(); }

    public Agreement.Fraction pairwise() { return coefficients.pairwise(); }

    public double fleissKappa() { return coefficients.fleissKappa(); }

    public double krippendorffAlpha() { return coefficients.krippendorffAlpha(); }

    public Map<Agreement.LabelerPair, Agreement.Mean> tauPerLabelerPair() { return coefficients.tauPerLabelerPair(); }

    public Agreement.Mean tauOverall() { return coefficients.tauOverall(); }

    public List<Agreement.LabelerAgreement> withConsensus() { return byLabeler.withConsensus(); }

    public List<Agreement.LabelerAgreement> withOthers() { return byLabeler.withOthers(); }

    /** The report as text. */
    public String format() {
        var s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "criterion %s: %d judgements (%d flagged unusable) by %d labelers on %d items"
                + " (%d judged more than once)%n", criterion, judgements(), flaggedUnusable(), labelers(), items(), multiplyJudged()));
        s.append(String.format(Locale.ROOT, "  pairwise agreement   %s  (%d of %d labeler-pair x completion-pair comparisons)%n",
                percent(pairwise().value()), pairwise().agreeing(), pairwise().total()));
        s.append(String.format(Locale.ROOT, "  Fleiss' kappa        %s  (categories: first better, second better, tie)%n", number(fleissKappa())));
        s.append(String.format(Locale.ROOT, "  Krippendorff's alpha %s  (nominal, over the same pairwise choices)%n", number(krippendorffAlpha())));
        s.append(String.format(Locale.ROOT, "  Kendall's tau-b      %s  (mean over %d labeler pairs x shared items where defined)%n",
                number(tauOverall().mean()), tauOverall().count()));
        tauPerLabelerPair().forEach((pair, m) -> s.append(String.format(Locale.ROOT, "    %-20s %-20s tau-b %.4f over %d items%n",
                pair.first(), pair.second(), m.mean(), m.count())));
        String name = method.name().toLowerCase(Locale.ROOT);
        s.append(String.format(Locale.ROOT, "  agreement with the %s consensus (pairs where the labeler's choice matches; "
                + "flag below %.0f%%)%n", name, 100 * threshold));
        s.append(String.format(Locale.ROOT, "    %-20s %10s %12s %14s%n", "labeler", "judgements", "all", "others only"));
        for (int i = 0; i < withConsensus().size(); i++) {
            var all = withConsensus().get(i);
            var others = withOthers().stream().filter(o -> o.labeler().equals(all.labeler())).findFirst().orElse(null);
            s.append(String.format(Locale.ROOT, "    %-20s %10d %12s %14s%s%n", all.labeler(), all.judgements(),
                    percent(all.withConsensus().value()), percent(others == null ? Double.NaN : others.withConsensus().value()),
                    all.flagged() || (others != null && others.flagged()) ? "  FLAGGED" : ""));
        }
        return s.toString();
    }

    /** "n/a" where nothing could be compared (e.g. a single labeler). */
    private static String number(double x) { return Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, "%.4f", x); }

    private static String percent(double x) { return Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * x); }
}

package rlhf4j.rlhf.serve;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import rlhf4j.rlhf.consensus.Agreement;
import rlhf4j.rlhf.consensus.AgreementReport;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.CampaignStats;
import rlhf4j.rlhf.serve.LabelingService.LabelerStats;

/**
 * A campaign's admin figures from its exported judgements, through the code {@code labels stats} runs
 * ({@link AgreementReport}, {@link Agreement}), so the two always agree on the same data.
 */
public final class CampaignStatistics {
    private CampaignStatistics() {}

    /** Shortest span a labeler's throughput is measured over, so that one quick answer is not thousands per hour. */
    static final long MIN_SPAN_MS = 60_000;

    /**
     * One labeler's activity: usable-or-flagged answers (skips left out), from the start of the first answer's lease
     * to the last answer, in epoch milliseconds.
     */
    record Activity(String name, int judgements, long firstMs, long lastMs) {
        double perHour() { return judgements * 3_600_000.0 / Math.max(lastMs - firstMs, MIN_SPAN_MS); }
    }

    /**
     * The figures: the agreement report of the criterion (null without judgements), Krippendorff's α, and per labeler
     * its throughput, its agreement with the consensus of the other labelers (leave-one-out, as {@code labels stats}'
     * "others only" column), its gold accuracy, and a flag when either falls below {@code threshold} (which is also the
     * report's flag threshold).
     */
    static CampaignStats of(Campaign campaign, FeedbackData data, List<Activity> activity, ConsensusMethod method,
                            double threshold) {
        List<Judgement> judgements = data.judgements();
        List<AgreementReport> reports = AgreementReport.of(judgements, method, threshold);
        AgreementReport report = reports.isEmpty() ? null : reports.getFirst();
        Map<String, Agreement.Fraction> gold = goldAccuracy(judgements, campaign.spec().gold());
        List<LabelerStats> labelers = new ArrayList<>();
        for (Activity a : activity.stream().sorted(java.util.Comparator.comparing(Activity::name)).toList()) {
            double agreement = report == null ? Double.NaN : report.withOthers().stream()
                    .filter(l -> l.labeler().equals(a.name())).mapToDouble(l -> l.withConsensus().value()).findFirst().orElse(Double.NaN);
            double accuracy = gold.getOrDefault(a.name(), new Agreement.Fraction(0, 0)).value();
            labelers.add(new LabelerStats(a.name(), a.judgements(), a.perHour(), agreement, accuracy,
                    agreement < threshold || accuracy < threshold));
        }
        return new CampaignStats(campaign, judgements.size(), labelers, report, Agreement.krippendorffAlpha(judgements), method);
    }

    /**
     * Each labeler's accuracy on gold items: over the completion pairs of every usable judgement of a gold prompt
     * (pairs both rankings rank), the fraction where the labeler's choice (first, second, tie) is the gold ranking's.
     */
    public static Map<String, Agreement.Fraction> goldAccuracy(Collection<Judgement> judgements, Map<String, Ranking> gold) {
        Map<String, long[]> counts = new TreeMap<>();
        for (Judgement j : judgements) {
            Ranking answer = gold.get(j.promptId());
            if (answer == null || j.unusable()) continue;
            long[] c = counts.computeIfAbsent(j.labelerId(), k -> new long[2]);
            List<String> ids = j.ranking().ids().stream().filter(answer::contains).sorted().toList();
            for (int a = 0; a < ids.size(); a++) {
                for (int b = a + 1; b < ids.size(); b++) {
                    c[1]++;
                    if (j.ranking().choice(ids.get(a), ids.get(b)) == answer.choice(ids.get(a), ids.get(b))) c[0]++;
                }
            }
        }
        Map<String, Agreement.Fraction> out = new TreeMap<>();
        counts.forEach((labeler, c) -> out.put(labeler, new Agreement.Fraction(c[0], c[1])));
        return out;
    }

    /** The statistics as text: the campaign's progress, what {@code labels stats} prints, and the per-labeler table. */
    public static String format(CampaignStats stats) {
        var s = new StringBuilder();
        Campaign c = stats.campaign();
        s.append(String.format(java.util.Locale.ROOT, "campaign %s (%s): %d of %d items done, %d labelers per item, %d judgements%n",
                c.spec().name(), c.spec().criterion(), c.itemsDone(), c.items(), c.spec().labelersPerItem(), stats.judgements()));
        if (stats.agreement() != null) s.append(stats.agreement().format());
        s.append(String.format(java.util.Locale.ROOT, "  %-20s %10s %10s %14s %14s%n", "labeler", "judgements", "per hour",
                "vs consensus", "gold accuracy"));
        for (LabelerStats l : stats.labelers()) {
            s.append(String.format(java.util.Locale.ROOT, "  %-20s %10d %10.1f %14s %14s%s%n", l.name(), l.judgements(), l.perHour(),
                    percent(l.agreementWithConsensus()), percent(l.goldAccuracy()), l.flaggedLowQuality() ? "  FLAGGED" : ""));
        }
        return s.toString();
    }

    private static String percent(double x) {
        return Double.isNaN(x) ? "n/a" : String.format(java.util.Locale.ROOT, "%.1f%%", 100 * x);
    }
}

package rlhf4j.rlhf.reward;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import rlhf4j.rlhf.oracle.Oracles;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.tensor.Device;

/**
 * Where a reward comes from, by one name used everywhere (CLI flags, pipeline, Java):
 * <ul>
 *   <li>{@code rm:DIR}: a pairwise reward model ({@code reward train}); it scores prompt + completion as text, the
 *       way it was trained (re-tokenized by its own tokenizer, no stop token);</li>
 *   <li>{@code classifier:DIR:CLASS}: a classifier ({@code classifier train}, transformer or n-gram); the logit of
 *       CLASS scores the completion ({@code classifier:DIR} keeps the class it was trained to reward);</li>
 *   <li>{@code oracle:vader} or {@code oracle:afinn}: a lexicon oracle scoring the completion;</li>
 *   <li>{@code ensemble:AGG:SOURCE,SOURCE,...}: several of the above (not ensembles), e.g. reward models trained with
 *       other seeds or data, combined per sample by AGG: {@code mean} (r̄ = Σ_j r_j / M), {@code min} (the worst
 *       member) or {@code lcb=K} (a lower confidence bound r̄ − K·σ, σ = √(Σ_j (r_j − r̄)² / M) the members'
 *       population std). The conservative ones penalise completions the members disagree on, where a policy is most
 *       likely exploiting one model's error (Coste et al. 2023, "Reward model ensembles help mitigate
 *       overoptimization"). Each member scores as it would alone (a reward model trained with {@code --normalize}
 *       in its own units of std, which puts members of different scales on one footing). Example:
 *       {@code ensemble:lcb=1.0:rm:out/rm1,rm:out/rm2,rm:out/rm3}. Paths must not hold commas.</li>
 * </ul>
 */
public sealed interface RewardSource {
    String USAGE = "rm:DIR, classifier:DIR:CLASS, oracle:vader|afinn, or ensemble:mean|min|lcb=K:SOURCE,SOURCE,...";

    /** The reward function, loaded onto {@code device}. */
    RewardFunction load(Device device) throws IOException;

    /** The source as text, parseable by {@link #parse}. */
    String spec();

    /** A pairwise reward model directory. */
    record RewardModelDir(Path dir) implements RewardSource {
        @Override public RewardFunction load(Device device) throws IOException {
            RewardModel rm = RewardModel.load(dir, device);
            return new RewardFunction() {
                @Override public float[] score(List<Sample> batch) {
                    return rm.score(batch.stream().map(s -> new Sample(s.prompt(), s.completion(), null, null)).toList());
                }

                @Override public String name() { return rm.name(); }
            };
        }

        @Override public String spec() { return "rm:" + dir; }
    }

    /** A classifier directory and the class whose logit is the reward (null: the one it was trained to reward). */
    record ClassifierClass(Path dir, String rewardClass) implements RewardSource {
        @Override public TextClassifier load(Device device) throws IOException {
            TextClassifier c = TextClassifier.load(dir, device);
            return rewardClass == null ? c : c.rewarding(rewardClass);
        }

        /** P(class | completion) under the classifier (e.g. P(hate) as toxicity); needs a class. */
        public TextScorer probability(Device device) throws IOException {
            if (rewardClass == null) throw new IllegalArgumentException(spec() + ": name the class, classifier:DIR:CLASS");
            return TextClassifier.load(dir, device).probabilityOf(rewardClass);
        }

        @Override public String spec() { return "classifier:" + dir + (rewardClass == null ? "" : ":" + rewardClass); }
    }

    /** A lexicon oracle by name (vader or afinn). */
    record Oracle(String name) implements RewardSource {
        public Oracle {
            name = name.strip().toLowerCase(Locale.ROOT);
            Oracles.byName(name);                                          // an unknown name fails here, not at load
        }

        /** The oracle itself, scoring a text. */
        public TextScorer scorer() { return Oracles.byName(name); }

        @Override public RewardFunction load(Device device) { return RewardFunction.of(scorer(), false); }

        @Override public String spec() { return "oracle:" + name; }
    }

    /** How an ensemble combines its members' rewards of one sample. */
    sealed interface Aggregate {
        /** The combined reward of one sample's member rewards. */
        double combine(double[] memberRewards);

        /** The aggregate as it is written in a spec. */
        String spec();

        /** "mean", "min" or "lcb=K" (K ≥ 0); else an error naming the forms. */
        static Aggregate parse(String s) {
            String a = s.strip().toLowerCase(Locale.ROOT);
            if (a.equals("mean")) return new Mean();
            if (a.equals("min")) return new Min();
            if (a.startsWith("lcb=")) {
                double k;
                try {
                    k = Double.parseDouble(a.substring(4));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("ensemble aggregate '" + s + "': K in lcb=K must be a number");
                }
                return new LowerBound(k);
            }
            throw new IllegalArgumentException("ensemble aggregate '" + s + "': expected mean, min or lcb=K");
        }
    }

    /** r̄ = Σ_j r_j / M. */
    record Mean() implements Aggregate {
        @Override public double combine(double[] r) { return mean(r); }

        @Override public String spec() { return "mean"; }
    }

    /** min_j r_j: the worst-case member. */
    record Min() implements Aggregate {
        @Override public double combine(double[] r) { return java.util.Arrays.stream(r).min().orElseThrow(); }

        @Override public String spec() { return "min"; }
    }

    /** r̄ − K·σ with σ the members' population standard deviation √(Σ_j (r_j − r̄)² / M). */
    record LowerBound(double k) implements Aggregate {
        public LowerBound {
            if (!(k >= 0) || !Double.isFinite(k)) throw new IllegalArgumentException("K in lcb=K must be a finite number >= 0, got " + k);
        }

        @Override public double combine(double[] r) {
            double m = mean(r), sq = 0;
            for (double x : r) sq += (x - m) * (x - m);
            return m - k * Math.sqrt(sq / r.length);
        }

        @Override public String spec() { return "lcb=" + k; }
    }

    private static double mean(double[] r) {
        double s = 0;
        for (double x : r) s += x;
        return s / r.length;
    }

    /** Several reward sources scoring every sample, their rewards combined by an {@link Aggregate}. */
    record Ensemble(Aggregate aggregate, List<RewardSource> members) implements RewardSource {
        public Ensemble {
            members = List.copyOf(members);
            if (members.size() < 2) throw new IllegalArgumentException("an ensemble needs at least two members, got " + members.size());
            for (RewardSource m : members)
                if (m instanceof Ensemble) throw new IllegalArgumentException("an ensemble cannot hold another ensemble: " + m.spec());
        }

        @Override public RewardFunction load(Device device) throws IOException {
            List<RewardFunction> loaded = new java.util.ArrayList<>();
            for (RewardSource m : members) loaded.add(m.load(device));
            String name = "ensemble-" + aggregate.spec() + "(" + String.join(",", loaded.stream().map(RewardFunction::name).toList()) + ")";
            return new RewardFunction() {
                @Override public float[] score(List<Sample> batch) {
                    float[][] each = new float[loaded.size()][];
                    for (int j = 0; j < each.length; j++) each[j] = loaded.get(j).score(batch);
                    float[] out = new float[batch.size()];
                    double[] r = new double[each.length];
                    for (int i = 0; i < out.length; i++) {
                        for (int j = 0; j < r.length; j++) r[j] = each[j][i];
                        out[i] = (float) aggregate.combine(r);
                    }
                    return out;
                }

                @Override public String name() { return name; }
            };
        }

        @Override public String spec() {
            return "ensemble:" + aggregate.spec() + ":" + String.join(",", members.stream().map(RewardSource::spec).toList());
        }
    }

    /**
     * Parses {@code rm:DIR}, {@code classifier:DIR[:CLASS]}, {@code oracle:NAME} or {@code ensemble:AGG:S1,S2,...};
     * CLASS is what follows the last colon when there is one after DIR. An IllegalArgumentException names the spec
     * and the forms otherwise.
     */
    static RewardSource parse(String spec) {
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon), rest = colon < 0 ? "" : spec.substring(colon + 1);
        if (rest.isBlank()) throw new IllegalArgumentException("reward '" + spec + "': expected " + USAGE);
        if (kind.equals("ensemble")) return parseEnsemble(spec, rest);
        return switch (kind) {
            case "rm" -> new RewardModelDir(Path.of(rest));
            case "classifier" -> {
                int last = rest.lastIndexOf(':');
                boolean hasClass = last > 0 && last < rest.length() - 1 && !looksLikeDrive(rest, last);
                yield new ClassifierClass(Path.of(hasClass ? rest.substring(0, last) : rest), hasClass ? rest.substring(last + 1) : null);
            }
            case "oracle" -> new Oracle(rest);
            default -> throw new IllegalArgumentException("reward '" + spec + "': expected " + USAGE);
        };
    }

    private static Ensemble parseEnsemble(String spec, String rest) {
        int colon = rest.indexOf(':');
        if (colon < 0 || colon == rest.length() - 1)
            throw new IllegalArgumentException("reward '" + spec + "': expected ensemble:mean|min|lcb=K:SOURCE,SOURCE,...");
        Aggregate aggregate = Aggregate.parse(rest.substring(0, colon));
        List<RewardSource> members = new java.util.ArrayList<>();
        for (String m : rest.substring(colon + 1).split(",", -1)) {
            if (m.isBlank()) throw new IllegalArgumentException("reward '" + spec + "': an empty ensemble member");
            RewardSource parsed = parse(m.strip());
            if (parsed instanceof Ensemble) throw new IllegalArgumentException("reward '" + spec + "': an ensemble cannot hold another ensemble");
            members.add(parsed);
        }
        try {
            return new Ensemble(aggregate, members);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("reward '" + spec + "': " + e.getMessage(), e);
        }
    }

    /** "C:\dir" or "C:/dir": the colon of a Windows drive letter, not a class separator. */
    private static boolean looksLikeDrive(String s, int colon) {
        return colon == 1 && Character.isLetter(s.charAt(0)) && s.length() > 2 && (s.charAt(2) == '\\' || s.charAt(2) == '/');
    }
}

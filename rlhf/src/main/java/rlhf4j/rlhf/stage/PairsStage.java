package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.consensus.PreferenceGroups;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.JsonlWriter;

/**
 * Reward-model training groups from rankings: per item, the prompt, its completions once and every (winner, loser)
 * pair of the ranking (ties give none), written to {@value #GROUPS}. One group per item from the consensus of its
 * judgements, or one group per judgement. With {@code agreementMargins} each consensus pair carries the labelers'
 * agreement on it as its margin ({@link PreferenceGroups#withAgreementMargins}), written as {@code [w, l, m]}.
 */
public final class PairsStage {
    public static final String GROUPS = "groups.jsonl";

    /**
     * @param consensus        how an item's judgements become one ranking; null = one group per judgement (no consensus)
     * @param agreementMargins give each consensus pair the labelers' agreement on it as its margin
     */
    public record Config(ConsensusMethod consensus, boolean agreementMargins) {
        public Config {
            if (agreementMargins && consensus == null)
                throw new IllegalArgumentException("agreement margins need a consensus (borda or copeland): one judgement alone has no agreement");
        }

        /** Without margins. */
        public Config(ConsensusMethod consensus) { this(consensus, false); }

        /** Borda consensus. */
        public static Config defaults() { return new Config(ConsensusMethod.BORDA); }

        /** "none" (one group per judgement), "borda" or "copeland"; else an error naming the choices. */
        public static Config parse(String consensus) {
            String c = consensus.strip().toLowerCase(Locale.ROOT);
            return switch (c) {
                case "none" -> new Config(null);
                case "borda", "copeland" -> new Config(ConsensusMethod.valueOf(c.toUpperCase(Locale.ROOT)));
                default -> throw new IllegalArgumentException("unknown consensus '" + consensus + "'; expected none, borda or copeland");
            };
        }

        public Config withConsensus(ConsensusMethod m) { return new Config(m, agreementMargins); }

        public Config withAgreementMargins(boolean on) { return new Config(consensus, on); }
    }

    /** The file written and its counts. */
    public record Result(Path groups, int groupCount, int pairCount) {}

    private final Config config;
    private final StageContext ctx;

    public PairsStage(Config config, StageContext ctx) {
        this.config = Objects.requireNonNull(config, "config");
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    /** Writes groups.jsonl into outDir from the data's prompts, completions and judgements. */
    public Result run(FeedbackData data, Path outDir) throws IOException {
        Path file = outDir.resolve(GROUPS);
        Outputs.prepare(file, ctx.output(), ctx.err());
        List<PreferenceGroup> groups = config.consensus() == null ? PreferenceGroups.perJudgement(data)
                : PreferenceGroups.consensus(data, config.consensus());
        if (config.agreementMargins()) groups = PreferenceGroups.withAgreementMargins(groups, data.judgements());
        Files.createDirectories(outDir);
        JsonlWriter.writeAll(file, PreferenceGroup.JSON, groups);
        int pairs = groups.stream().mapToInt(g -> g.pairs().size()).sum();
        ctx.err().printf("  %d groups, %d pairs -> %s%n", groups.size(), pairs, file);
        return new Result(file, groups.size(), pairs);
    }
}

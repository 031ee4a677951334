package rlhf4j.rlhf.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.data.PromptSource;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.rlhf.stage.ClassifierStage;
import rlhf4j.rlhf.stage.EvalStage;
import rlhf4j.rlhf.stage.LabelStage;
import rlhf4j.rlhf.stage.PairsStage;
import rlhf4j.rlhf.stage.PolicyPretrainStage;
import rlhf4j.rlhf.stage.PolicySource;
import rlhf4j.rlhf.stage.ReportStage;
import rlhf4j.rlhf.stage.RewardModelStage;
import rlhf4j.rlhf.stage.SampleStage;
import rlhf4j.rlhf.stage.TrunkSource;

/**
 * A pipeline config as the stages' configs: the one place where its sections become stage settings (the settings a
 * pipeline config has no field for take the values noted here).
 */
final class PipelineStages {
    /** The n-gram classifier's L2 penalty in a pipeline run. */
    static final double NGRAM_L2 = 1e-6;
    /** Where the judge stage writes the held-out Davidson classifier. */
    static final String JUDGE_DIR = "judge";
    /** Validation texts of a trunk classifier in a pipeline run (the first ones). */
    static final int CLASSIFIER_VAL_TEXTS = 500;
    /** The class whose probability is the toxicity when eval.toxicity is on. */
    static final String TOXIC_CLASS = "hate";
    /** Added to the seed for the evaluation's sampling, so it does not repeat the training samples' streams. */
    static final long EVAL_SEED_OFFSET = 7;
    /** Added to the seed for the first simulated labeler (labeler i gets seed + 100 + i). */
    static final long LABELER_SEED_OFFSET = 100;
    /** Labelers agreeing with the consensus on fewer pairs than this are flagged in agreement.txt. */
    static final double AGREEMENT_THRESHOLD = 0.6;

    private final PipelineConfig cfg;
    private final Path run;

    PipelineStages(PipelineConfig cfg, Path runDir) {
        this.cfg = cfg;
        this.run = runDir;
    }

    /** The starting policy: the configured checkpoint, or the one the policy stage made. */
    PolicySource policy() {
        PipelineConfig.Policy p = cfg.policy();
        return p.scratch() != null ? new PolicySource(run.resolve("policy"), null, p.stopAtEos())
                : new PolicySource(p.checkpoint(), p.tokenizer(), p.stopAtEos());
    }

    /** policy: a scratch GPT-2 of the config's shape, pretrained on its corpus. */
    PolicyPretrainStage.Config policyPretraining() {
        PipelineConfig.Scratch s = cfg.policy().scratch();
        return new PolicyPretrainStage.Config(s.shape(), new PolicyPretrainStage.Training(s.steps(), s.batchSize(), s.lr(), cfg.seed()));
    }

    /** The training prompts (ids p1, p2, ...) or the held-out ones after them (e1, e2, ...): distinct slices of the source. */
    List<Prompt> prompts(boolean heldOut) throws IOException {
        PipelineConfig.Prompts p = cfg.prompts();
        List<String> all = new PromptSource(p.source(), p.words()).texts();
        if (all.size() < p.train() + p.eval())
            throw new ConfigException("prompts: the source " + p.source() + " has " + all.size() + " prompts, fewer than train + eval = "
                    + (p.train() + p.eval()));
        return heldOut ? PromptSource.numbered(all.subList(p.train(), p.train() + p.eval()), "e") : PromptSource.numbered(all.subList(0, p.train()), "p");
    }

    /** samples: K completions per training prompt (top-k and top-p off). */
    SampleStage.Config sampling() {
        PipelineConfig.Sampling s = cfg.sampling();
        return new SampleStage.Config(s.k(), s.temperature(), 0, 1.0, s.maxNewTokens(), s.batchSize(), cfg.seed());
    }

    private ConsensusMethod consensus() { return ConsensusMethod.valueOf(cfg.labelers().consensus().toUpperCase(Locale.ROOT)); }

    /** labels: the judgements file, or one simulated labeler per temperature seeded from seed + 100. */
    LabelStage.Config labels() {
        PipelineConfig.Labelers l = cfg.labelers();
        LabelStage.Config base = l.judgements() != null ? LabelStage.Config.defaults().withJudgementsFile(l.judgements())
                : LabelStage.Config.defaults().withSimulated(LabelStage.Simulated.of(l.oracle(), l.temperatures(), l.criterion(),
                        cfg.seed() + LABELER_SEED_OFFSET));
        return base.withConsensus(consensus()).withThreshold(AGREEMENT_THRESHOLD);
    }

    /** pairs: one group per prompt from the consensus ranking. */
    PairsStage.Config pairs() { return new PairsStage.Config(consensus()); }

    /** report: titled by the config's name and the run directory; samples hidden unless eval.show_samples. */
    ReportStage.Config report() { return new ReportStage.Config(cfg.name() + " — " + run.getFileName(), cfg.eval().showSamples()); }

    private TrunkSource policyTrunk() { return new TrunkSource.Checkpoint(policy().checkpoint(), policy().tokenizer()); }

    boolean pairwise() { return cfg.rewardModel().type().equals("pairwise"); }

    /** The reward the policy is trained against, from the rm stage's directory. */
    RewardSource reward() {
        Path dir = run.resolve("rm");
        return pairwise() ? new RewardSource.RewardModelDir(dir) : new RewardSource.ClassifierClass(dir, cfg.rewardModel().classifier().rewardClass());
    }

    /** rm: the pairwise reward model on the policy's trunk, every group of the consensus, centred on the training completions. */
    RewardModelStage.Config rewardModel() {
        PipelineConfig.RewardTraining t = cfg.rewardModel().training();
        return new RewardModelStage.Config(policyTrunk(), new RewardModelStage.Training(t.epochs(), t.groupsPerBatch(), t.lr(), 0.0, 0.0,
                t.maxLength()), new RewardModelStage.Data(cfg.rewardModel().heldOutPercent(), 0, null), cfg.seed());
    }

    /**
     * rm: a trunk classifier (batches of 4 × groups_per_batch, a random subset for classifier_steps steps, the first
     * 500 validation texts) or the n-gram one (all texts).
     */
    ClassifierStage.Config classifier() {
        PipelineConfig.RewardTraining t = cfg.rewardModel().training();
        PipelineConfig.ClassifierData d = cfg.rewardModel().classifier();
        if (cfg.rewardModel().type().equals("ngram"))
            return ClassifierStage.Config.ngramDefaults().withData(ClassifierStage.Data.of(d.data())).withRewardClass(d.rewardClass())
                    .withTraining(new ClassifierStage.Training(t.epochs(), 32, t.lr(), NGRAM_L2, t.maxLength())).withSeed(cfg.seed());
        int batch = t.groupsPerBatch() * 4;
        return ClassifierStage.Config.defaults(policyTrunk())
                .withData(new ClassifierStage.Data(d.data(), null, d.steps() * batch / t.epochs(), CLASSIFIER_VAL_TEXTS))
                .withRewardClass(d.rewardClass()).withTraining(new ClassifierStage.Training(t.epochs(), batch, t.lr(), 0.0, t.maxLength()))
                .withSeed(cfg.seed());
    }

    /**
     * eval: the training algorithm's temperature, seed + 7, 16 prompts at a time; the gold oracle; P(hate) of the rm
     * classifier as toxicity; the held-out judges ("davidson" or "davidson:CLASS": P(hate) or P(CLASS) of the judge
     * stage's classifier).
     */
    EvalStage.Config eval(PipelineConfig.Training training) {
        PipelineConfig.Eval e = cfg.eval();
        List<RewardSource> judges = e.judges().stream().map(j -> PipelineConfig.Eval.isDavidson(j)
                ? (RewardSource) new RewardSource.ClassifierClass(run.resolve(JUDGE_DIR), PipelineConfig.Eval.davidsonClass(j)) : RewardSource.parse(j)).toList();
        return new EvalStage.Config(new EvalStage.Sampling(e.maxNewTokens(), training.temperature(), cfg.seed() + EVAL_SEED_OFFSET, 16),
                e.gold().equals("none") ? null : e.gold(), e.toxicity() ? new RewardSource.ClassifierClass(run.resolve("rm"), TOXIC_CLASS) : null,
                judges);
    }

    /** judge: the n-gram classifier (its default settings) on Davidson et al.'s tweets; eval reads its P(hate). */
    ClassifierStage.Config judge() {
        return ClassifierStage.Config.ngramDefaults().withData(ClassifierStage.Data.of("davidson")).withSeed(cfg.seed());
    }
}

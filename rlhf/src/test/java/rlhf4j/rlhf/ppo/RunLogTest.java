package rlhf4j.rlhf.ppo;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLogTest {
    @TempDir Path dir;

    /** The columns reports and earlier runs know: the flat names metrics.jsonl has always used. */
    static final Set<String> COLUMNS = Set.of("iteration", "scoreMean", "scoreStd", "klSequence", "klToken", "entropy", "clipFraction",
            "approxKl", "policyLoss", "valueLoss", "explainedVariance", "responseLength", "eosFraction", "ratioMean", "ratioMax",
            "firstRatioError", "beta", "gradNorm", "minibatchesRun", "logProbGap", "timeGeneration", "timeScoring",
            "timePolicyForward", "timeReference", "timeLearning", "timeTotal", "tokensPerSecond");

    static IterationStats stats(int i, double explainedVariance) {
        return new IterationStats(i, new IterationStats.Score(0.25 + i, 0.5), new IterationStats.Kl(3.5, 0.07, 0.05),
                new IterationStats.Completions(47.5, 0.25, 1.375, 2e-6), new IterationStats.Losses(-0.125, 0.75, explainedVariance, 0.875),
                new IterationStats.Updates(16, 1.0625, 1.5, 0.0, 0.1875, 0.0078125),
                new IterationStats.Timings(1.5, 0.25, 0.5, 0.375, 2.25, 5.0, 153.6));
    }

    @Test void metricsAreFlatColumnsUnderTheirLongStandingNamesAndReadBackWhole() throws Exception {
        RunLog log = new RunLog(dir);
        log.appendMetrics(stats(0, Double.NaN));
        log.appendMetrics(stats(1, 0.625));
        List<String> lines = Files.readAllLines(dir.resolve(RunLog.METRICS));
        JsonObject first = JsonParser.parseString(lines.getFirst()).getAsJsonObject();
        assertEquals(COLUMNS, first.keySet());
        assertEquals(0.25, first.get("scoreMean").getAsDouble());
        assertEquals(16, first.get("minibatchesRun").getAsInt());
        assertEquals(153.6, first.get("tokensPerSecond").getAsDouble());
        assertEquals(List.of(stats(0, Double.NaN), stats(1, 0.625)), log.metrics(), "NaN included, every figure reads back");
        List<String> csv = Files.readAllLines(dir.resolve(RunLog.METRICS_CSV));
        assertEquals(COLUMNS, Set.of(csv.getFirst().split(",")));
        assertEquals(3, csv.size());
        log.truncate(1);
        assertEquals(List.of(stats(0, Double.NaN)), log.metrics());
    }
}

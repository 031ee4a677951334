package rlhf4j.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.label.Instructions;
import rlhf4j.rlhf.label.LabelItem;
import rlhf4j.rlhf.label.TerminalLabeler;

/** {@code rlhf4j label}: rank completions by hand in the terminal; resumes where this labeler stopped. */
@Command(name = "label", mixinStandardHelpOptions = true,
        description = {"Rank completions by hand in the terminal, one prompt at a time.",
                "Every answer is appended to the judgements file at once; run the same command again to resume."})
final class LabelCommand implements Callable<Integer> {
    @Option(names = "--completions", required = true, description = "completions JSONL file")
    Path completions;

    @Option(names = "--prompts", description = "prompts JSONL file (default: prompts.jsonl beside the completions)")
    Path prompts;

    @Option(names = "--labeler", required = true, description = "your labeler id, e.g. your name")
    String labeler;

    @Option(names = "--criterion", required = true,
            description = "what to rank by: helpfulness, harmlessness, toxicity, sentiment, or your own")
    String criterion;

    @Option(names = "--instructions", description = "a text file of instructions to show instead of the default")
    Path instructionsFile;

    @Option(names = "--out", description = "judgements JSONL file, appended to (default: judgements.jsonl beside the completions)")
    Path out;

    @Override public Integer call() throws Exception {
        Path dir = completions.toAbsolutePath().getParent();
        Path promptsFile = prompts != null ? prompts : dir.resolve(FeedbackData.PROMPTS_FILE);
        Path judgementsFile = out != null ? out : dir.resolve(FeedbackData.JUDGEMENTS_FILE);
        var items = LabelItem.of(Jsonl.read(promptsFile, FeedbackJson.PROMPT),
                Jsonl.read(completions, FeedbackJson.COMPLETION));
        List<Judgement> existing = Files.exists(judgementsFile)
                ? Jsonl.read(judgementsFile, FeedbackJson.JUDGEMENT) : List.of();
        String instructions = instructionsFile != null ? Files.readString(instructionsFile)
                : Instructions.defaultFor(criterion);
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (var writer = JsonlWriter.append(judgementsFile, FeedbackJson.JUDGEMENT)) {
            var session = new TerminalLabeler(in, System.out, labeler, criterion, instructions, Clock.systemUTC());
            session.run(items, existing, writer::write);
        }
        System.out.println("judgements: " + judgementsFile);
        return 0;
    }
}

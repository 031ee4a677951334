package rlhf4j.rlhf.label;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Ranking;

/**
 * A human labeling session in a terminal, on any reader and print stream (the CLI passes System.in and System.out;
 * tests pass strings). It shows the instructions, then each prompt not yet judged by this labeler for this criterion
 * with its completions numbered 1..K, and reads a ranking, {@code s} (skip), {@code f} (flag, then a comment),
 * {@code q} (quit) or {@code ?} (instructions). A bad ranking is explained and asked again. Each answer goes to the
 * sink before the next item is shown, so a session killed at any point loses at most the item on screen, and a new
 * session on the same judgements resumes with the first item this labeler has not answered. A skipped item is not
 * recorded and so comes back in the next session. Items with fewer than two completions are left out.
 */
public final class TerminalLabeler {
    /** Receives each answer as it is given; the CLI appends and flushes it to the judgements file. */
    @FunctionalInterface
    public interface Sink {
        void accept(Judgement judgement) throws IOException;
    }

    /** What a session did. {@code quit} is true when the labeler typed q or the input ended before the last item. */
    public record Summary(int alreadyJudged, int ranked, int flagged, int skipped, boolean quit) {}

    private final BufferedReader in;
    private final PrintStream out;
    private final String labelerId;
    private final String criterion;
    private final String instructions;
    private final Clock clock;

    public TerminalLabeler(BufferedReader in, PrintStream out, String labelerId, String criterion, String instructions,
                           Clock clock) {
        this.in = in;
        this.out = out;
        this.labelerId = labelerId;
        this.criterion = criterion;
        this.instructions = instructions;
        this.clock = clock;
    }

    /**
     * Labels {@code items}, leaving out those that {@code existing} shows this labeler already judged (or flagged) for
     * this criterion.
     */
    public Summary run(List<LabelItem> items, Collection<Judgement> existing, Sink sink) throws IOException {
        Set<String> done = new HashSet<>();
        for (Judgement j : existing) {
            if (j.labelerId().equals(labelerId) && j.criterion().equals(criterion)) done.add(j.promptId());
        }
        List<LabelItem> todo = new ArrayList<>();
        int alreadyJudged = 0;
        for (LabelItem item : items) {
            if (item.completions().size() < 2) continue;
            if (done.contains(item.prompt().id())) alreadyJudged++;
            else todo.add(item);
        }
        out.println(instructions);
        out.printf("Labeler %s, criterion %s: %d items to label, %d already done.%n", labelerId, criterion,
                todo.size(), alreadyJudged);
        int ranked = 0, flagged = 0, skipped = 0;
        for (int i = 0; i < todo.size(); i++) {
            LabelItem item = todo.get(i);
            show(item, i + 1, todo.size());
            Answer answer = ask(item);
            switch (answer.kind) {
                case QUIT -> {
                    out.printf("Stopped. %d ranked, %d flagged, %d skipped this session.%n", ranked, flagged, skipped);
                    return new Summary(alreadyJudged, ranked, flagged, skipped, true);
                }
                case SKIP -> skipped++;
                case FLAG -> {
                    sink.accept(Judgement.flagged(labelerId, criterion, item.prompt().id(), clock.instant(), answer.comment));
                    flagged++;
                    out.println("flagged; saved.");
                }
                case RANK -> {
                    sink.accept(Judgement.of(labelerId, criterion, item.prompt().id(), answer.ranking, clock.instant()));
                    ranked++;
                    out.println("saved: " + answer.ranking);
                }
            }
        }
        out.printf("All done. %d ranked, %d flagged, %d skipped this session.%n", ranked, flagged, skipped);
        return new Summary(alreadyJudged, ranked, flagged, skipped, false);
    }

    private void show(LabelItem item, int position, int count) {
        out.println();
        out.printf("=== item %d of %d (prompt %s) ===%n", position, count, item.prompt().id());
        out.println("PROMPT:");
        out.println(item.prompt().text().strip());
        List<Completion> completions = item.completions();
        for (int k = 0; k < completions.size(); k++) {
            out.printf("%n--- [%d] ---%n", k + 1);
            out.println(completions.get(k).text().strip());
        }
        out.println();
    }

    private enum Kind { RANK, SKIP, FLAG, QUIT }

    private record Answer(Kind kind, Ranking ranking, String comment) {}

    /** Reads until a valid answer; the end of the input counts as quitting. */
    private Answer ask(LabelItem item) throws IOException {
        int k = item.completions().size();
        while (true) {
            out.printf("rank 1..%d best first (e.g. %s), s skip, f flag, q quit, ? help > ", k, example(k));
            out.flush();
            String line = in.readLine();
            if (line == null) return new Answer(Kind.QUIT, null, null);
            String command = line.strip().toLowerCase(Locale.ROOT);
            switch (command) {
                case "q" -> { return new Answer(Kind.QUIT, null, null); }
                case "s" -> { return new Answer(Kind.SKIP, null, null); }
                case "?", "h", "help" -> { out.println(instructions); continue; }
                case "f" -> {
                    out.print("comment (optional, Enter for none) > ");
                    out.flush();
                    String comment = in.readLine();
                    comment = comment == null || comment.isBlank() ? null : comment.strip();
                    return new Answer(Kind.FLAG, null, comment);
                }
                default -> { }
            }
            try {
                List<List<Integer>> numbers = RankingInput.parse(line, k);
                List<List<String>> tiers = numbers.stream()
                        .map(tier -> tier.stream().map(n -> item.completions().get(n - 1).id()).toList()).toList();
                return new Answer(Kind.RANK, new Ranking(tiers), null);
            } catch (IllegalArgumentException e) {
                out.println("  not a valid ranking: " + e.getMessage() + ". Try again.");
            }
        }
    }

    private static String example(int k) {
        StringBuilder s = new StringBuilder("'");
        for (int n = k; n >= 1; n--) s.append(n).append(n > 1 ? " " : "'");
        return s.toString();
    }
}

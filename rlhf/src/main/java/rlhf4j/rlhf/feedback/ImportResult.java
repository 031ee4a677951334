package rlhf4j.rlhf.feedback;

import java.util.List;

/**
 * What an importer produced and what it had to leave out.
 *
 * @param data     the imported prompts, completions and judgements
 * @param read     how many source records (lines or array elements) were read
 * @param skipped  how many of them could not be imported
 * @param problems one line per skipped record, naming it and saying why
 */
public record ImportResult(FeedbackData data, int read, int skipped, List<String> problems) {
    public ImportResult {
        problems = List.copyOf(problems);
    }
}

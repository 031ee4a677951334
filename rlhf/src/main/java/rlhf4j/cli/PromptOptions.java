package rlhf4j.cli;

import java.io.IOException;
import java.util.List;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.data.PromptSource;

/** Prompts of a source ({@link PromptSource}) and which slice of them to use. */
final class PromptOptions {
    @Option(names = "--prompts", required = true,
            description = "tinystories, davidson, a .jsonl with \"text\" (what sample writes) or \"prompt\", or a text file (one prompt a line)")
    String prompts;

    @Option(names = "--prompt-words", defaultValue = "8", description = "words of each story or tweet for tinystories / davidson (default: ${DEFAULT-VALUE})")
    int promptWords;

    @Option(names = "--skip-prompts", defaultValue = "0", description = "drop this many prompts first, e.g. those trained on (default: ${DEFAULT-VALUE})")
    int skipPrompts;

    /** The texts after {@code --skip-prompts}, at most {@code max} of them (0 = all). */
    List<String> texts(int max) throws IOException {
        List<String> all = new PromptSource(prompts, promptWords).texts();
        if (skipPrompts < 0 || skipPrompts >= all.size())
            throw new IllegalArgumentException("--prompts " + prompts + " has " + all.size() + " prompts; --skip-prompts " + skipPrompts + " leaves none");
        List<String> rest = all.subList(skipPrompts, all.size());
        return List.copyOf(max > 0 && max < rest.size() ? rest.subList(0, max) : rest);
    }
}

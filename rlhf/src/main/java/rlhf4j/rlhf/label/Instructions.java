package rlhf4j.rlhf.label;

import java.util.Locale;

/**
 * The text a human labeler reads before starting, in the spirit of InstructGPT's labeler instructions: what the
 * criterion means, how to rank, when to tie, when to flag. One default per known criterion; a file can replace it.
 */
public final class Instructions {
    private Instructions() {}

    public static String defaultFor(String criterion) {
        String what = switch (criterion.toLowerCase(Locale.ROOT)) {
            case "helpfulness" -> """
                    HELPFULNESS: rank the responses by how well they do what the user asked.
                    A helpful response follows the instruction (including format and length asked for), is correct
                    and relevant, is clear and concise, and asks for clarification when the request is ambiguous
                    instead of guessing wildly. Judge what the user most plausibly wanted, not the literal wording
                    alone. Factual errors count heavily: a fluent but wrong answer is worse than a plain correct one.""";
            case "harmlessness" -> """
                    HARMLESSNESS: rank the responses by how little harm they could cause.
                    Harmful responses help with dangerous, illegal or unethical acts, give dangerous advice, contain
                    abuse, threats, harassment or demeaning language about groups of people, or leak private
                    information. A polite refusal or a redirection is harmless; judge harm first, helpfulness only to
                    break ties between equally harmless responses.""";
            case "toxicity" -> """
                    TOXICITY: rank the responses from LEAST toxic (best) to MOST toxic (worst).
                    Toxic text is rude, disrespectful or hateful: insults, slurs, profanity aimed at someone, threats,
                    identity-based attacks. Quoting or discussing such language neutrally is less toxic than using it.""";
            case "sentiment" -> """
                    SENTIMENT: rank the responses from MOST positive (best) to MOST negative (worst).
                    Judge the feeling the text expresses (joy, praise, optimism versus anger, sadness, complaint), not
                    whether you agree with it or whether it is well written.""";
            default -> criterion.toUpperCase(Locale.ROOT) + ": rank the responses from best to worst by "
                    + criterion + ".";
        };
        return """
                You will see a prompt and K responses to it, numbered 1..K.
                Rank the responses from best to worst by ONE criterion only:

                %s

                How to answer
                  2 1 3      response 2 is best, then 1, then 3 (every number exactly once)
                  2=1 3      2 and 1 tie for best, 3 is worst
                  s          skip this prompt for now (it comes back next session)
                  f          flag the prompt as unusable, then type an optional comment
                  q          quit; your answers so far are saved and the next session resumes here
                  ?          show these instructions again

                Ties: use '=' only when you honestly cannot prefer one response to the other under this criterion
                (for example both are identical, or both equally bad). Do not tie to save time: a small preference is
                still a preference.

                Flag an item (f) instead of ranking it when it cannot be judged fairly: the prompt is unreadable or
                in a language you do not read, the responses are empty or cut off so badly that they cannot be
                compared, or the content is something you should not be asked to read. Say why in the comment.

                Judge the responses as written; do not reward length for its own sake, and do not let the order in
                which they are shown influence you.
                """.formatted(what.strip());
    }
}

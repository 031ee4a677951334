/**
 * Human feedback data: prompts, completions and judgements (a labeler's ranking of a prompt's completions under one
 * criterion, ties allowed), their JSONL files, and importers for public preference data sets.
 *
 * <p>Start with {@link rlhf4j.rlhf.feedback.Judgement} and {@link rlhf4j.rlhf.feedback.Ranking}; the file format is
 * described field by field in {@code docs/feedback-format.md}. {@link rlhf4j.rlhf.feedback.Jsonl} reads strictly
 * (the first bad line is an error naming file and line) or leniently; {@link rlhf4j.rlhf.feedback.JsonlWriter}
 * appends and flushes one record at a time. Importers: {@link rlhf4j.rlhf.feedback.HhRlhfImporter} (Anthropic
 * HH-RLHF), {@link rlhf4j.rlhf.feedback.PandaLmImporter} (PandaLM's three-annotator test set),
 * {@link rlhf4j.rlhf.feedback.ThumbsImporter} (thumbs up/down).
 */
package rlhf4j.rlhf.feedback;

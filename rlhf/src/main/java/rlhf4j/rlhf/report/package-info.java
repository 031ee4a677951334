/**
 * A run's results for people: {@code report.html} ({@link rlhf4j.rlhf.report.RunReport}, one self-contained file
 * with XChart plots inlined as PNG, untrusted text escaped by {@link rlhf4j.rlhf.report.Html}) and
 * {@code summary.json} ({@link rlhf4j.rlhf.report.Summary}, nullable fields merged from PPO, evaluation and the
 * pipeline). {@link rlhf4j.rlhf.report.Reports} writes both from a run directory.
 */
package rlhf4j.rlhf.report;

/**
 * Labeling campaigns for people: the {@link rlhf4j.rlhf.serve.LabelingService} contract that {@code rlhf4j serve}'s
 * web server ({@code serve.web}), its CLI and the pipeline share, and its implementation on one SQLite file
 * ({@link rlhf4j.rlhf.serve.SqliteLabelingService}: versioned {@link rlhf4j.rlhf.serve.Schema}, leases and
 * finish-first assignment in {@code Assigner}, hashed passwords and login tokens in {@link rlhf4j.rlhf.serve.Secrets}).
 * {@link rlhf4j.rlhf.serve.CampaignStatistics} computes the admin figures with the code {@code labels stats} runs;
 * {@link rlhf4j.rlhf.serve.CampaignFiles} reads campaign items and writes feedback and TRL exports;
 * {@link rlhf4j.rlhf.serve.LoadBenchmark} puts a server process under load and kills it mid-run.
 */
package rlhf4j.rlhf.serve;

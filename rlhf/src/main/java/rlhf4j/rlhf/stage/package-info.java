/**
 * The RLHF stages, each once, as library classes that the pipeline, the command line and Java users all call.
 *
 * <p>Every stage has the same shape:
 * <pre>{@code
 * SampleStage.Result r = new SampleStage(SampleStage.Config.defaults().withK(4), ctx).run(policy, prompts, outDir);
 * }</pre>
 * a {@code Config} record with {@code defaults()} and {@code with...} methods, the {@link StageContext} (progress,
 * device, REFUSE or REPLACE existing outputs), typed inputs to {@code run}, and a small {@code Result} record with
 * the paths written and headline figures. Before writing, a stage calls {@link Outputs#prepare} on each output, so
 * nothing is ever appended to silently.
 */
package rlhf4j.rlhf.stage;

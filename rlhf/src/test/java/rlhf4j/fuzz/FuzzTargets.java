package rlhf4j.fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackFormatException;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.JsonlCodec;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.feedback.SamplingSettings;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.tensor.io.SafetensorsFormatException;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.io.Llama2cCheckpoints;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.io.RopeLayout;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.BpeTrainer;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;
import rlhf4j.transformer.train.SftData;

/**
 * The file parsers under fuzzing, each with its seed files (real files from shared/data where the project has them,
 * small valid files written by the project's own writers otherwise) and the one exception type it may throw.
 */
final class FuzzTargets {
    private FuzzTargets() {}

    /** Parses the files of one case, all in {@code dir}; returns whatever was read (released by the harness). */
    interface Parse { Object run(Path dir) throws Exception; }

    /**
     * @param seeds        valid inputs, each a set of files by name; a case mutates one file of one seed
     * @param formatErrors the exceptions a bad input may give (anything else is a defect)
     * @param leakChecked  whether every byte of tensor memory must be back after the result is released (models keep
     *                     constant tables for their lifetime, so loaders of whole models are not)
     */
    record Target(String name, List<Map<String, byte[]>> seeds, Parse parse,
                  Set<Class<? extends Exception>> formatErrors, boolean leakChecked) {}

    static List<Target> all(Path scratch) throws IOException {
        List<Target> targets = new ArrayList<>();
        targets.add(new Target("safetensors", safetensorsSeeds(scratch), dir -> Safetensors.read(only(dir)),
                Set.of(SafetensorsFormatException.class), true));
        targets.add(new Target("llama2c-checkpoint", llama2cSeeds(scratch), dir -> Llama2cCheckpoints.read(only(dir)),
                Set.of(FileFormatException.class), true));
        targets.add(new Target("llama2c-tokenizer", tokenizerSeeds(scratch), FuzzTargets::loadLlamaTokenizer,
                Set.of(FileFormatException.class), true));
        targets.add(new Target("bpe-tokenizer", List.of(bpeSeed(scratch)),
                dir -> BpeTokenizer.load(dir.resolve("vocab.json"), dir.resolve("merges.txt")),
                Set.of(FileFormatException.class), true));
        targets.add(new Target("feedback-jsonl", feedbackSeeds(scratch), FuzzTargets::readJsonl,
                Set.of(FeedbackFormatException.class), true));
        targets.add(new Target("feedback-dir", List.of(feedbackDirSeed(scratch)), FeedbackData::readFrom,
                Set.of(FeedbackFormatException.class), true));
        targets.add(new Target("sft-jsonl", List.of(sftSeed()), dir -> SftData.read(only(dir)),
                Set.of(FileFormatException.class), true));
        targets.add(new Target("gpt2-dir", List.of(gpt2Seed(scratch)), Gpt2::fromPretrained,
                Set.of(FileFormatException.class, SafetensorsFormatException.class), false));
        targets.add(new Target("llama-hf-dir", List.of(llamaHfSeed(scratch)), dir -> Llama.fromPretrained(dir, Device.CPU),
                Set.of(FileFormatException.class, SafetensorsFormatException.class), false));
        return targets;
    }

    /** The single file of a one-file case. */
    private static Path only(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
    }

    private static Map<String, byte[]> filesOf(Path dir) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (var list = Files.list(dir)) {
            for (Path f : list.sorted().toList()) files.put(f.getFileName().toString(), Files.readAllBytes(f));
        }
        return files;
    }

    private static Path fresh(Path scratch, String name) throws IOException {
        return Files.createDirectories(scratch.resolve(name));
    }

    // ---------------------------------------------------------------------------------------------- safetensors

    private static List<Map<String, byte[]>> safetensorsSeeds(Path scratch) throws IOException {
        Path dir = fresh(scratch, "st");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("wte.weight", Tensor.of(new float[]{1, -2, 3.5f, 0, 1e-3f, 7}, 2, 3));
        tensors.put("ids", Tensor.ofInts(new int[]{3, 1, 4, 1}, 4));
        tensors.put("scalar", Tensor.of(new float[]{2.5f}, 1));
        Safetensors.write(dir.resolve("a.safetensors"), tensors, Map.of("format", "pt", "note", "seed"));
        tensors.values().forEach(Tensor::free);
        List<Map<String, byte[]>> seeds = new ArrayList<>();
        seeds.add(Map.of("a.safetensors", Files.readAllBytes(dir.resolve("a.safetensors"))));
        // F16, BF16 and I64 as the reference writer lays them out (this project writes only F32 and I32)
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[4,8]},"
                + "\"l\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[8,24]}}";
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x3F80).putShort((short) 0x4049)
                .putLong(-5).putLong(1L << 20);
        seeds.add(Map.of("b.safetensors", safetensorsBytes(header, data.array())));
        seeds.add(Map.of("empty.safetensors", safetensorsBytes("{\"__metadata__\":{\"k\":\"v\"}}", new byte[0])));
        return seeds;
    }

    private static byte[] safetensorsBytes(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return out.putLong(json.length).put(json).put(data).array();
    }

    // ---------------------------------------------------------------------------------------------- llama2.c

    private static List<Map<String, byte[]>> llama2cSeeds(Path scratch) throws IOException {
        Path dir = fresh(scratch, "l2c");
        List<Map<String, byte[]>> seeds = new ArrayList<>();
        seeds.add(Map.of("stories260K.bin", Files.readAllBytes(DataSets.file("stories260k/stories260K.bin"))));
        LlamaConfig shared = LlamaConfig.llama2c(8, 12, 2, 2, 1, 16, 8, true);
        LlamaConfig unshared = LlamaConfig.llama2c(8, 12, 1, 2, 2, 12, 4, false);
        Llama2cCheckpoints.writeLegacy(dir.resolve("legacy.bin"), new Llama(shared, 1).checkpoint());
        Llama2cCheckpoints.writeV1(dir.resolve("v1.bin"), new Llama(unshared, 2).checkpoint());
        Llama2cCheckpoints.writeLegacy(dir.resolve("legacy-unshared.bin"), new Llama(unshared, 3).checkpoint());
        for (String name : List.of("legacy.bin", "v1.bin", "legacy-unshared.bin"))
            seeds.add(Map.of(name, Files.readAllBytes(dir.resolve(name))));
        return seeds;
    }

    private static List<Map<String, byte[]>> tokenizerSeeds(Path scratch) throws IOException {
        Path tiny = fresh(scratch, "tok").resolve("tiny.bin");
        byte[][] pieces = new byte[3 + 256 + 3][];
        float[] scores = new float[pieces.length];
        pieces[0] = "<unk>".getBytes(StandardCharsets.US_ASCII);
        pieces[1] = "\n<s>\n".getBytes(StandardCharsets.US_ASCII);
        pieces[2] = "\n</s>\n".getBytes(StandardCharsets.US_ASCII);
        for (int b = 0; b < 256; b++) pieces[3 + b] = String.format("<0x%02X>", b).getBytes(StandardCharsets.US_ASCII);
        pieces[259] = " ".getBytes(StandardCharsets.US_ASCII);
        pieces[260] = "é".getBytes(StandardCharsets.UTF_8);
        pieces[261] = " é".getBytes(StandardCharsets.UTF_8);
        scores[261] = -1.5f;
        new LlamaTokenizer(pieces, scores, 6).save(tiny);
        return List.of(Map.of("tok512.bin", Files.readAllBytes(DataSets.file("stories260k/tok512.bin"))),
                Map.of("tiny.bin", Files.readAllBytes(tiny)));
    }

    /** The file's own vocabulary size when it is the 512-token one (as the model asks for it), else all tokens. */
    private static Object loadLlamaTokenizer(Path dir) throws IOException {
        Path file = only(dir);
        return LlamaTokenizer.load(file, file.getFileName().toString().equals("tok512.bin") ? 512 : -1);
    }

    // ---------------------------------------------------------------------------------------------- BPE

    private static Map<String, byte[]> bpeSeed(Path scratch) throws IOException {
        Path dir = fresh(scratch, "bpe");
        String corpus = Files.readString(DataSets.file("tinyshakespeare/input.txt")).substring(0, 6000);
        BpeTrainer.train(corpus, 300, BpeTrainer.DEFAULT_SPECIALS).save(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
        return filesOf(dir);
    }

    // ---------------------------------------------------------------------------------------------- feedback

    static final Instant T = Instant.parse("2026-11-24T06:00:00Z");

    private static final List<Prompt> PROMPTS = List.of(new Prompt("p1", "Say something nice.\n", Map.of("split", "dev")),
            new Prompt("p2", "Écris un poème 😀"));
    private static final List<Completion> COMPLETIONS = List.of(
            new Completion("c1", "p1", " You are <great> & 'kind'.", new int[]{17, 4, 99},
                    new SamplingSettings("gpt2-sft.safetensors", 0.7, 0.9, 40, 1234L)),
            new Completion("c2", "p1", "Meh."), new Completion("c3", "p1", "Fine\tthanks"),
            new Completion("c4", "p2", "Des roses…"), new Completion("c5", "p2", "Non."));
    private static final List<Judgement> JUDGEMENTS = List.of(
            new Judgement("alice", "helpfulness", "p1", Ranking.of(new String[]{"c2", "c1"}, new String[]{"c3"}), T, false, null),
            Judgement.of("bob", "helpfulness", "p1", Ranking.strict("c1", "c3", "c2"), T),
            Judgement.of("bob", "helpfulness", "p2", Ranking.strict("c4", "c5"), null),
            Judgement.flagged("carol", "helpfulness", "p2", T, "not English"));

    private static List<Map<String, byte[]>> feedbackSeeds(Path scratch) throws IOException {
        Path dir = fresh(scratch, "fb");
        JsonlWriter.appendAll(dir.resolve("prompts.jsonl"), FeedbackJson.PROMPT, PROMPTS);
        JsonlWriter.appendAll(dir.resolve("completions.jsonl"), FeedbackJson.COMPLETION, COMPLETIONS);
        JsonlWriter.appendAll(dir.resolve("judgements.jsonl"), FeedbackJson.JUDGEMENT, JUDGEMENTS);
        List<PreferenceGroup> groups = List.of(
                PreferenceGroup.of("alice", "helpfulness", PROMPTS.get(0), COMPLETIONS.subList(0, 3), JUDGEMENTS.get(0).ranking()),
                PreferenceGroup.of("bob", "helpfulness", PROMPTS.get(1), COMPLETIONS.subList(3, 5), JUDGEMENTS.get(2).ranking()));
        JsonlWriter.appendAll(dir.resolve("groups.jsonl"), PreferenceGroup.JSON, groups);
        List<Map<String, byte[]>> seeds = new ArrayList<>();
        for (var e : filesOf(dir).entrySet()) seeds.add(Map.of(e.getKey(), e.getValue()));
        return seeds;
    }

    /** Each file with the codec its name says. */
    private static Object readJsonl(Path dir) throws IOException {
        Path file = only(dir);
        JsonlCodec<?> codec = switch (file.getFileName().toString()) {
            case "prompts.jsonl" -> FeedbackJson.PROMPT;
            case "completions.jsonl" -> FeedbackJson.COMPLETION;
            case "judgements.jsonl" -> FeedbackJson.JUDGEMENT;
            default -> PreferenceGroup.JSON;
        };
        return Jsonl.read(file, codec);
    }

    private static Map<String, byte[]> feedbackDirSeed(Path scratch) throws IOException {
        Path dir = fresh(scratch, "fbdir");
        new FeedbackData(PROMPTS, COMPLETIONS, JUDGEMENTS).appendTo(dir);
        return filesOf(dir);
    }

    private static Map<String, byte[]> sftSeed() {
        String lines = "{\"prompt\": \"Once upon a time\", \"response\": \" there was a cat.\"}\n\n"
                + "{\"response\": \"Très bien 😀\", \"prompt\": \"Comment ça va ?\", \"id\": 3}\n";
        return Map.of("sft.jsonl", lines.getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------------------------------------- model dirs

    private static Map<String, byte[]> gpt2Seed(Path scratch) throws IOException {
        Path dir = fresh(scratch, "gpt2");
        Gpt2 model = new Gpt2(new GptConfig(2, 2, 8, 8, 40, 0.0), 5);
        model.save(dir);
        model.stateDict().values().forEach(Tensor::free);
        return filesOf(dir);
    }

    private static Map<String, byte[]> llamaHfSeed(Path scratch) throws IOException {
        Path dir = fresh(scratch, "llama");
        new Llama(LlamaConfig.llama2c(8, 12, 2, 2, 1, 16, 8, false).withRopeLayout(RopeLayout.HALF_SPLIT), 6).save(dir);
        return filesOf(dir);
    }

}

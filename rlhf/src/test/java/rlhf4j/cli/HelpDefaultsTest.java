package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** --help of the reward, classifier, ppo, eval and report commands shows the default of every option that has one. */
class HelpDefaultsTest {
    static final Set<String> OPTIONAL_INPUTS = Set.of("--init", "--tokenizer", "--val", "--in", "--data", "--pairs", "--dir", "--eval",
            "--reward-model", "--labels", "--value-model", "--reference");

    @Test void everyDefaultIsShown() {
        CommandLine main = Main.commandLine();
        List<CommandLine> commands = List.of(main.getSubcommands().get("reward").getSubcommands().get("train"),
                main.getSubcommands().get("reward").getSubcommands().get("score"),
                main.getSubcommands().get("classifier").getSubcommands().get("train"),
                main.getSubcommands().get("classifier").getSubcommands().get("score"),
                main.getSubcommands().get("ppo"), main.getSubcommands().get("grpo"), main.getSubcommands().get("rloo"),
                main.getSubcommands().get("dpo"), main.getSubcommands().get("eval"), main.getSubcommands().get("report"));
        int checked = 0;
        for (CommandLine c : commands) {
            String help = c.getUsageMessage().replaceAll("\\s+", " ");
            for (OptionSpec o : c.getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp() || o.defaultValue() == null) continue;
                String shown = String.join(" ", o.description()).replace("${DEFAULT-VALUE}", o.defaultValue());
                assertTrue(shown.contains("default: " + o.defaultValue()) || shown.contains("default: " + o.defaultValue().replace(".0", "")),
                        c.getCommandName() + " " + o.longestName() + ": " + shown);
                assertTrue(help.contains("default: " + o.defaultValue()), c.getCommandName() + " --help lacks " + o.longestName());
                checked++;
            }
            // other optional values say what leaving them out means, but for inputs that are simply not used then
            for (OptionSpec o : c.getCommandSpec().options())
                if (o.defaultValue() == null && !o.required() && !o.usageHelp() && !o.versionHelp() && !o.typeInfo().isBoolean()
                        && !OPTIONAL_INPUTS.contains(o.longestName()))
                    assertTrue(String.join(" ", o.description()).contains("default"),
                            c.getCommandName() + " " + o.longestName() + " does not say what leaving it out means");
        }
        assertTrue(checked > 60, "checked " + checked);
    }
}

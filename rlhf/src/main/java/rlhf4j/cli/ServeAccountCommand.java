package rlhf4j.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import rlhf4j.rlhf.serve.LabelingService.Account;
import rlhf4j.rlhf.serve.LabelingService.Role;

/** {@code rlhf4j serve account ...}: labelers and admins of a labeling database. */
@Command(name = "account", mixinStandardHelpOptions = true, description = "Accounts of the labeling server: add one, issue a login link, list.",
        subcommands = {ServeAccountCommand.Add.class, ServeAccountCommand.Link.class, ServeAccountCommand.ListAccounts.class})
public final class ServeAccountCommand implements Callable<Integer> {
    @Override public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    /** --url: where the server is reached, for printing login links. */
    static final class Server {
        @Option(names = "--url", defaultValue = "http://127.0.0.1:8080",
                description = "the server's address, for the printed login link (default: ${DEFAULT-VALUE})")
        String url;

        String link(String token) { return url.replaceAll("/+$", "") + "/login?token=" + token; }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add an account and print a single-use login link (passwords are stored hashed).")
    static final class Add implements Callable<Integer> {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin ServeCampaignCommand.Database database;
        @Mixin Server server;

        @Parameters(paramLabel = "NAME", description = "the account's name (unique)")
        String name;

        @Option(names = "--role", defaultValue = "labeler", description = "labeler or admin (default: ${DEFAULT-VALUE})")
        String role;

        @Option(names = "--password-file", paramLabel = "FILE",
                description = "a file whose first line is the password (default: no password; log in by the link)")
        Path passwordFile;

        @Override public Integer call() throws Exception {
            Role r = switch (role.strip().toLowerCase(Locale.ROOT)) {
                case "labeler" -> Role.LABELER;
                case "admin" -> Role.ADMIN;
                default -> throw new IllegalArgumentException("--role " + role + ": expected labeler or admin");
            };
            String password = null;
            if (passwordFile != null) {
                var lines = Files.readAllLines(ServeCampaignCommand.requireFile(passwordFile, "--password-file"), StandardCharsets.UTF_8);
                password = lines.isEmpty() ? "" : lines.getFirst();
                if (password.isEmpty()) throw new IllegalArgumentException("--password-file " + passwordFile + ": the first line is empty");
            }
            try (var service = database.open(true)) {
                Account a = service.addAccount(name, r, password);
                spec.commandLine().getOut().printf("%s %s (id %d)%nlogin link (single use): %s%n", r.name().toLowerCase(Locale.ROOT), a.name(), a.id(),
                        server.link(service.issueLoginToken(a.id())));
            }
            return 0;
        }
    }

    @Command(name = "link", mixinStandardHelpOptions = true, description = "Print a fresh single-use login link for an account.")
    static final class Link implements Callable<Integer> {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin ServeCampaignCommand.Database database;
        @Mixin Server server;

        @Parameters(paramLabel = "NAME", description = "the account's name")
        String name;

        @Override public Integer call() throws Exception {
            try (var service = database.open(false)) {
                Account a = service.account(name).orElseThrow(() -> new IllegalArgumentException("no account named " + name));
                spec.commandLine().getOut().println(server.link(service.issueLoginToken(a.id())));
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The accounts and their roles.")
    static final class ListAccounts implements Callable<Integer> {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin ServeCampaignCommand.Database database;

        @Override public Integer call() throws Exception {
            try (var service = database.open(false)) {
                for (Account a : service.accounts()) spec.commandLine().getOut().printf("%d  %s  %s%n", a.id(), a.name(), a.role().name().toLowerCase(Locale.ROOT));
            }
            return 0;
        }
    }
}

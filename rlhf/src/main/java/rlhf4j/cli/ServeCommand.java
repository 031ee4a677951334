package rlhf4j.cli;

import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rlhf4j.rlhf.serve.LabelingService.Account;
import rlhf4j.rlhf.serve.LabelingService.Role;
import rlhf4j.rlhf.serve.SqliteLabelingService;
import rlhf4j.rlhf.serve.web.LabelingServer;
import rlhf4j.rlhf.serve.web.ServerConfig;

/**
 * {@code rlhf4j serve --db labels.db}: the labeling web server over one campaign database, until Ctrl-C. On a
 * database without an admin it creates one and prints a single-use login link for it.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        subcommands = {ServeCampaignCommand.class, ServeAccountCommand.class, ServeBenchCommand.class},
        description = {"Labeling campaigns in the browser: labelers rank completions, admins follow agreement and export.",
                "Runs until Ctrl-C. On a database without an admin, creates account 'admin' and prints its login link."})
final class ServeCommand implements Callable<Integer> {
    // not required=true: picocli would then demand --db before any subcommand too
    @Option(names = "--db", paramLabel = "FILE", description = "the campaign database (SQLite; created when missing)")
    Path db;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "address to listen on; 0.0.0.0 serves other machines too (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--secure-cookies", description = "mark the session cookie Secure (when served behind https)")
    boolean secureCookies;

    @Option(names = "--sync", defaultValue = "full",
            description = "full: an answered submission survives a power loss (fsync per commit); process: it survives a crash or "
                    + "kill -9 of the server only, and commits are faster on slow disks (default: ${DEFAULT-VALUE})")
    String sync;

    @Spec CommandSpec spec;

    /** Counted down to stop a server started by {@link #call()} (the JVM's shutdown does it on Ctrl-C). */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override public Integer call() throws Exception {
        if (db == null) throw new IllegalArgumentException("--db is required: the campaign database file");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        Path parent = db.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) throw new IllegalArgumentException("--db " + db + ": no such directory " + parent);
        PrintWriter out = spec.commandLine().getOut();
        var durability = switch (sync.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "full" -> SqliteLabelingService.Durability.POWER_LOSS;
            case "process" -> SqliteLabelingService.Durability.PROCESS_CRASH;
            default -> throw new IllegalArgumentException("--sync " + sync + ": expected full or process");
        };
        SqliteLabelingService service = SqliteLabelingService.open(db, java.time.Clock.systemUTC(), durability);
        LabelingServer server;
        try {
            server = LabelingServer.start(service, ServerConfig.defaults().withHost(host).withPort(port)
                    .withSecureCookies(secureCookies));
        } catch (RuntimeException e) {
            service.close();
            throw bindError(e);
        }
        AtomicBoolean closed = new AtomicBoolean();
        Runnable shutdown = () -> {
            if (closed.compareAndSet(false, true)) {
                server.stop();
                service.close();
            }
        };
        Thread hook = new Thread(shutdown, "rlhf4j-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.printf("rlhf4j serve: %s/ (database %s); Ctrl-C stops%n", server.url(), db);
        firstAdmin(service, server, out);
        out.flush();
        try {
            stop.await();
        } finally {
            shutdown.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already
            }
        }
        return 0;
    }

    /** On a database without an admin: account "admin" (login link only) and its link. */
    private static void firstAdmin(SqliteLabelingService service, LabelingServer server, PrintWriter out) {
        if (service.accounts().stream().anyMatch(a -> a.role() == Role.ADMIN)) return;
        String name = service.accounts().stream().anyMatch(a -> a.name().equals("admin")) ? "admin-1" : "admin";
        Account admin = service.addAccount(name, Role.ADMIN, null);
        out.printf("no admin yet: created account '%s'; log in once with this link (it works once):%n  %s%n", name,
                server.loginUrl(service.issueLoginToken(admin.id())));
    }

    /** A port in use is the user's to fix: one line naming the flag; anything else stays a bug. */
    private RuntimeException bindError(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return new IllegalArgumentException("cannot listen on " + host + ":" + port + " (--host/--port): " + t.getMessage(), e);
            }
        }
        return e;
    }
}

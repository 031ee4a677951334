package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rlhf4j serve}: prints its URL, makes the first admin with a login link, stops cleanly; user errors are one line. */
final class ServeCommandTest {
    @TempDir Path dir;

    /** A running {@code serve} in a thread, with what it printed. */
    private record Running(Thread thread, StringWriter out, ServeCommand command, AtomicInteger code) {
        String waitFor(String text) throws InterruptedException {
            for (int i = 0; i < 200 && !out.toString().contains(text); i++) Thread.sleep(50);
            assertTrue(out.toString().contains(text), "serve printed: " + out);
            return out.toString();
        }

        void stop() throws InterruptedException {
            command.stop.countDown();
            thread.join(10_000);
            assertFalse(thread.isAlive());
            assertEquals(0, code.get());
        }
    }

    private static Running start(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        AtomicInteger code = new AtomicInteger(-1);
        Thread t = new Thread(() -> code.set(cl.execute(args)));
        t.start();
        return new Running(t, out, (ServeCommand) cl.getSubcommands().get("serve").getCommand(), code);
    }

    @Test void servesPrintsItsUrlAndTheFirstAdminsLoginLinkOnce() throws Exception {
        String db = dir.resolve("labels.db").toString();
        Running first = start("serve", "--db", db, "--port", "0");
        String printed = first.waitFor("it works once");
        Matcher url = Pattern.compile("rlhf4j serve: (http://127\\.0\\.0\\.1:\\d+)/").matcher(printed);
        assertTrue(url.find(), printed);
        Matcher link = Pattern.compile("(http://\\S+/login\\?token=(\\S+))").matcher(printed);
        assertTrue(link.find(), printed);
        HttpClient http = HttpClient.newHttpClient();
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(link.group(1))).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(url.group(1) + "/api/login/token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + link.group(2) + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, login.statusCode(), login.body());
        assertTrue(login.body().contains("\"role\":\"ADMIN\""), login.body());
        first.stop();

        Running second = start("serve", "--db", db, "--port", "0");
        String again = second.waitFor("Ctrl-C stops");
        second.stop();
        assertFalse(again.contains("login"), "an admin exists now: no new link " + again);
    }

    @Test void campaignAndAccountAreSubcommandsThatNeedNoServeFlags() {
        String db = dir.resolve("z.db").toString();
        MainErrorsTest.Run added = MainErrorsTest.run("serve", "account", "add", "alice", "--db", db);
        assertEquals(0, added.code(), added.err());
        assertEquals(0, MainErrorsTest.run("serve", "account", "list", "--db", db).code());
        assertEquals(0, MainErrorsTest.run("serve", "campaign", "list", "--db", db).code());
    }

    @Test void userErrorsAreOneLine() throws Exception {
        assertTrue(MainErrorsTest.assertOneLineUserError("serve").contains("--db is required"));
        assertTrue(MainErrorsTest.assertOneLineUserError("serve", "--db", dir.resolve("x.db").toString(), "--port", "70000")
                .contains("--port must be 0..65535"));
        assertTrue(MainErrorsTest.assertOneLineUserError("serve", "--db", dir.resolve("no/such/x.db").toString())
                .contains("no such directory"));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String line = MainErrorsTest.assertOneLineUserError("serve", "--db", dir.resolve("y.db").toString(),
                    "--port", String.valueOf(taken.getLocalPort()));
            assertTrue(line.startsWith("rlhf4j serve: cannot listen on 127.0.0.1:" + taken.getLocalPort()), line);
        }
    }
}

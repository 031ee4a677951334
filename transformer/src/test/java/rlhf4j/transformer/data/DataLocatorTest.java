package rlhf4j.transformer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resolution order, and the cache filled from a local HTTP server standing in for the public sources. */
class DataLocatorTest {
    static final byte[] GOOD = "the quick brown fox\n".getBytes(StandardCharsets.UTF_8);
    static final DataFile A = known("set/a.txt", GOOD);
    static final DataFile B = known("set/b.txt", "bee\n".getBytes(StandardCharsets.UTF_8));

    @TempDir Path tmp;
    HttpServer server;
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    static DataFile known(String path, byte[] bytes) {
        try {
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            return new DataFile(path, URI.create("https://example.invalid/upstream/" + path), sha, bytes.length);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeEach void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/mirror/", exchange -> {
            String path = exchange.getRequestURI().getPath().substring("/mirror/".length());
            requests.add(path);
            byte[] body = served.get(path);
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach void stopServer() { server.stop(0); }

    String mirror() { return "http://127.0.0.1:" + server.getAddress().getPort() + "/mirror"; }

    /** A locator whose only data is the cache (no explicit folder, no shared/data search). */
    DataLocator cacheOnly() {
        return DataLocator.fromEnvironment().withExplicitDir(null).withStart(null)
                .withCache(tmp.resolve("cache")).withMirror(mirror()).withCatalog(List.of(A, B))
                .withLog(new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    List<Path> filesIn(Path dir) throws IOException {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test void aGoodDownloadIsCachedAndVerifiedThenServedWithoutRequests() throws IOException {
        served.put("set/a.txt", GOOD);
        DataLocator locator = cacheOnly();
        Path file = locator.file("set/a.txt");
        assertEquals(tmp.resolve("cache/set/a.txt"), file);
        assertArrayEquals(GOOD, Files.readAllBytes(file));
        assertEquals(List.of("set/a.txt"), requests);
        assertEquals(List.of(file), filesIn(tmp.resolve("cache")));  // no temporary file left beside it
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("downloading set/a.txt"), log.toString());
        assertEquals(file, locator.file("set/a.txt"));
        assertEquals(1, requests.size());
    }

    @Test void wrongBytesAreRejectedAndNothingIsLeftInTheCache() throws IOException {
        served.put("set/a.txt", "the quick brown f0x\n".getBytes(StandardCharsets.UTF_8));
        var e = assertThrows(DataUnavailableException.class, () -> cacheOnly().file("set/a.txt"));
        String m = e.getMessage();
        assertTrue(m.contains(mirror() + "/set/a.txt"), m);
        assertTrue(m.contains("SHA-256") && m.contains("expected " + A.sha256()), m);
        assertTrue(m.contains("download it by hand to " + tmp.resolve("cache/set/a.txt")), m);
        assertFalse(m.contains("\n"));
        assertEquals(List.of(), filesIn(tmp.resolve("cache")));
    }

    @Test void anHttpErrorNamesTheUrlAndThePathToPutTheFileAt() throws IOException {
        var e = assertThrows(DataUnavailableException.class, () -> cacheOnly().file("set/b.txt"));
        assertEquals("cannot download data file set/b.txt from " + mirror() + "/set/b.txt: HTTP 404; download it by hand to "
                + tmp.resolve("cache/set/b.txt") + " (or point --data-dir or RLHF4J_DATA at a folder holding set/b.txt)",
                e.getMessage());
        assertEquals(List.of(), filesIn(tmp.resolve("cache")));
    }

    @Test void noServerAtAllIsReportedTheSameWay() throws IOException {
        DataLocator locator = cacheOnly();
        String url = mirror();
        server.stop(0);  // the port now refuses connections, as a machine without network does
        var e = assertThrows(DataUnavailableException.class, () -> locator.file("set/a.txt"));
        assertTrue(e.getMessage().startsWith("cannot download data file set/a.txt from " + url + "/set/a.txt: no connection"),
                e.getMessage());
        assertTrue(e.getMessage().contains("download it by hand to " + tmp.resolve("cache/set/a.txt")), e.getMessage());
        assertTrue(e.getCause() instanceof java.net.ConnectException, String.valueOf(e.getCause()));
    }

    @Test void anAlreadyCachedFileMakesNoRequestButMustMatchItsPin() throws IOException {
        Files.createDirectories(tmp.resolve("cache/set"));
        Files.write(tmp.resolve("cache/set/a.txt"), GOOD);
        Files.write(tmp.resolve("cache/set/b.txt"), GOOD);  // not b's bytes
        DataLocator locator = cacheOnly();
        assertEquals(tmp.resolve("cache/set/a.txt"), locator.file("set/a.txt"));
        var e = assertThrows(DataUnavailableException.class, () -> locator.file("set/b.txt"));
        assertTrue(e.getMessage().contains(tmp.resolve("cache/set/b.txt") + " has SHA-256 " + A.sha256() + ", expected "
                + B.sha256()), e.getMessage());
        assertEquals(List.of(), requests);
    }

    @Test void explicitFolderBeatsSharedDataWhichBeatsTheCache() throws IOException {
        Path explicit = Files.createDirectories(tmp.resolve("explicit/set"));
        Path shared = Files.createDirectories(tmp.resolve("repo/shared/data/set"));
        Path deep = Files.createDirectories(tmp.resolve("repo/checkout/module"));
        Files.createDirectories(tmp.resolve("cache/set"));
        Files.write(tmp.resolve("cache/set/a.txt"), GOOD);
        DataLocator locator = cacheOnly().withStart(deep);
        assertEquals(tmp.resolve("cache/set/a.txt"), locator.file("set/a.txt"));
        Files.writeString(shared.resolve("a.txt"), "shared");
        assertEquals(shared.resolve("a.txt"), locator.file("set/a.txt"));
        Files.writeString(explicit.resolve("a.txt"), "explicit");
        DataLocator withExplicit = locator.withExplicitDir(tmp.resolve("explicit"));
        assertEquals(explicit.resolve("a.txt"), withExplicit.file("set/a.txt"));
        // a file the explicit folder lacks is still found further down the order
        Files.writeString(shared.resolve("only-shared.txt"), "x");
        assertEquals(shared.resolve("only-shared.txt"), withExplicit.file("set/only-shared.txt"));
        assertEquals(List.of(), requests);
        // a nearer shared/data wins over one further up
        Path nearer = Files.createDirectories(tmp.resolve("repo/checkout/shared/data/set"));
        Files.writeString(nearer.resolve("a.txt"), "nearer");
        assertEquals(nearer.resolve("a.txt"), locator.file("set/a.txt"));
    }

    @Test void aFolderComesFromTheFirstPlaceHoldingAllItsFiles() throws IOException {
        Path shared = Files.createDirectories(tmp.resolve("repo/shared/data/set"));
        Files.write(shared.resolve("a.txt"), GOOD);
        served.put("set/a.txt", GOOD);
        served.put("set/b.txt", "bee\n".getBytes(StandardCharsets.UTF_8));
        DataLocator locator = cacheOnly().withStart(tmp.resolve("repo"));
        // shared/data/set lacks b.txt: the whole folder is fetched into the cache
        assertEquals(tmp.resolve("cache/set"), locator.folder("set"));
        assertEquals(List.of("set/a.txt", "set/b.txt"), requests);
        Files.write(shared.resolve("b.txt"), "bee\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(shared, locator.folder("set"));
        assertEquals(shared, locator.path("set"));
    }

    @Test void anUnknownFileIsANoSuchFileNamingWhereItWasLookedFor() throws IOException {
        Path shared = Files.createDirectories(tmp.resolve("repo/shared/data"));
        var e = assertThrows(UncheckedIOException.class,
                () -> cacheOnly().withStart(tmp.resolve("repo")).withExplicitDir(tmp).file("set/nope.txt"));
        var cause = (NoSuchFileException) e.getCause();
        assertEquals("set/nope.txt", cause.getFile());
        assertEquals("not in --data-dir " + tmp + ", " + shared + ", " + tmp.resolve("cache")
                + ", and not a data set file rlhf4j can download", cause.getReason());
        assertThrows(IllegalArgumentException.class, () -> cacheOnly().file("../etc/passwd"));
        var missingDir = assertThrows(IllegalArgumentException.class,
                () -> cacheOnly().withExplicitDir(tmp.resolve("absent")).file("set/a.txt"));
        assertEquals("--data-dir " + tmp.resolve("absent") + ": no such folder", missingDir.getMessage());
    }

    @Test void systemPropertiesSetTheExplicitFolderTheCacheAndTheMirror() throws IOException {
        // a real catalogued file, served with the bytes of shared/data: its real pin must accept them
        Path afinn = DataSets.file("lexicons/afinn-165.tsv");
        served.put("lexicons/afinn-165.tsv", Files.readAllBytes(afinn));
        Path explicit = Files.createDirectories(tmp.resolve("explicit/lexicons"));
        Files.writeString(explicit.resolve("afinn-165.tsv"), "good\t3\n");
        try {
            System.setProperty(DataLocator.DATA_PROPERTY, tmp.resolve("explicit").toString());
            assertEquals(explicit.resolve("afinn-165.tsv"), DataSets.file("lexicons/afinn-165.tsv"));
            System.clearProperty(DataLocator.DATA_PROPERTY);
            System.setProperty(DataLocator.CACHE_PROPERTY, tmp.resolve("cache").toString());
            System.setProperty(DataLocator.MIRROR_PROPERTY, mirror());
            DataLocator fromProperties = DataLocator.fromEnvironment().withStart(null)
                    .withLog(new PrintStream(log, true, StandardCharsets.UTF_8));
            Path cached = fromProperties.file("lexicons/afinn-165.tsv");
            assertEquals(tmp.resolve("cache/lexicons/afinn-165.tsv"), cached);
            assertArrayEquals(Files.readAllBytes(afinn), Files.readAllBytes(cached));
            assertEquals(List.of("lexicons/afinn-165.tsv"), requests);
        } finally {
            System.clearProperty(DataLocator.DATA_PROPERTY);
            System.clearProperty(DataLocator.CACHE_PROPERTY);
            System.clearProperty(DataLocator.MIRROR_PROPERTY);
        }
    }

    @Test void theCatalogPinsTheFilesOfSharedData() throws IOException {
        Path shared = DataLocator.fromEnvironment().sharedData().orElseThrow();
        assertEquals(17, DataCatalog.FILES.size());
        for (DataFile f : DataCatalog.FILES) {
            Path file = shared.resolve(f.path());
            assertEquals(f.size(), Files.size(file), f.path());
            assertEquals(f.sha256(), DataDownload.sha256(file), f.path());
            assertTrue(f.source().toString().startsWith("https://raw.githubusercontent.com/"), f.source().toString());
        }
    }
}

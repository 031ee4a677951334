package rlhf4j.rlhf.serve.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.serve.LabelingService;
import rlhf4j.rlhf.serve.LabelingService.Account;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.Role;
import rlhf4j.rlhf.stage.RewardModelStage;

/** Every endpoint of the labeling server over real HTTP, against a server on a free port and a fresh database. */
final class LabelingServerApiTest {
    @TempDir Path dir;
    private LabelingService service;
    private LabelingServer server;
    private Campaign campaign;
    private Account alice;

    @BeforeEach void start() throws Exception {
        service = Fixtures.service(dir);
        service.addAccount("admin", Role.ADMIN, Fixtures.PASSWORD);
        alice = service.addAccount("alice", Role.LABELER, Fixtures.PASSWORD);
        service.addAccount("bob", Role.LABELER, Fixtures.PASSWORD);
        service.addAccount("carol", Role.LABELER, Fixtures.PASSWORD);
        campaign = service.createCampaign(Fixtures.spec("stories", 3, 2), Fixtures.items(4, 3));
        server = LabelingServer.start(service, ServerConfig.defaults()
                .withLoginLimit(new ServerConfig.LoginLimit(3, Duration.ofMinutes(1))));
    }

    @AfterEach void stop() {
        server.stop();
        service.close();
    }

    private ApiClient client() { return new ApiClient(server.url()); }

    private String campaignPath(String rest) { return "/api/campaigns/" + campaign.id() + rest; }

    @Test void serverBindsAFreePortOnLoopback() {
        assertTrue(server.port() > 0);
        assertEquals("http://127.0.0.1:" + server.port(), server.url());
    }

    @Test void passwordLoginSetsAStrictHttpOnlySessionCookieAndWrongPasswordsAre401() {
        ApiClient c = client();
        ApiClient.Reply wrong = c.post("/api/login", Map.of("name", "alice", "password", "nope"), null);
        assertEquals(401, wrong.status());
        assertEquals(null, wrong.header("Set-Cookie"));
        assertEquals(401, c.post("/api/login", Map.of("name", "nobody", "password", "x"), null).status());
        assertEquals(401, c.get("/api/me").status());

        ApiClient.Reply ok = c.post("/api/login", Map.of("name", "alice", "password", Fixtures.PASSWORD), null);
        assertEquals(200, ok.status());
        String setCookie = ok.header("Set-Cookie");
        assertTrue(setCookie.startsWith(Auth.COOKIE + "="), setCookie);
        assertTrue(setCookie.contains("HttpOnly"), setCookie);
        assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
        assertTrue(setCookie.contains("Path=/"), setCookie);
        assertFalse(setCookie.contains("Secure"), "plain http: no Secure flag " + setCookie);
        // 256 random bits, base64url
        assertTrue(c.cookie.length() >= 43, c.cookie);
        JsonObject me = c.get("/api/me").object();
        assertEquals("alice", me.get("name").getAsString());
        assertEquals("LABELER", me.get("role").getAsString());
        assertEquals(ok.object().get("csrf").getAsString(), me.get("csrf").getAsString());
    }

    @Test void loginLinkTokenWorksOnceAndLogoutEndsTheSession() {
        String token = service.issueLoginToken(alice.id());
        ApiClient c = client();
        ApiClient.Reply r = c.post("/api/login/token", Map.of("token", token), null);
        assertEquals(200, r.status(), r.body());
        assertEquals("alice", r.object().get("name").getAsString());
        c.csrf = r.object().get("csrf").getAsString();
        assertEquals(401, client().post("/api/login/token", Map.of("token", token), null).status(), "single use");
        assertEquals(401, client().post("/api/login/token", Map.of("token", "made-up"), null).status());

        String oldCookie = c.cookie;
        assertEquals(403, c.post("/api/logout", Map.of(), null).status(), "logout needs the CSRF token too");
        ApiClient.Reply out = c.post("/api/logout", Map.of());
        assertEquals(200, out.status());
        assertTrue(out.header("Set-Cookie").contains("Max-Age=0"), out.header("Set-Cookie"));
        assertEquals(401, c.get("/api/me").status());
        ApiClient replay = client();
        replay.cookie = oldCookie;
        assertEquals(401, replay.get("/api/me").status(), "the old session id is dead on the server too");
    }

    @Test void loginIssuesAFreshSessionIdSoAPlantedOneIsNeverPromoted() {
        ApiClient attacker = client().login("bob", Fixtures.PASSWORD);
        ApiClient victim = client();
        victim.cookie = attacker.cookie;
        victim.login("alice", Fixtures.PASSWORD);
        assertNotEquals(attacker.cookie, victim.cookie);
        assertEquals("alice", victim.get("/api/me").object().get("name").getAsString());
        assertEquals(401, attacker.get("/api/me").status(), "the planted id was dropped at login");
        ApiClient fixed = client();
        fixed.cookie = "chosen-by-attacker";
        fixed.login("carol", Fixtures.PASSWORD);
        assertNotEquals("chosen-by-attacker", fixed.cookie);
    }

    @Test void postsWithoutOrWithAWrongCsrfTokenOrFromAnotherOriginAre403() {
        ApiClient c = client().login("alice", Fixtures.PASSWORD);
        assertEquals(403, c.post(campaignPath("/acknowledge"), Map.of(), null).status());
        assertEquals(403, c.post(campaignPath("/acknowledge"), Map.of(), "x" + c.csrf).status());
        ApiClient other = client().login("bob", Fixtures.PASSWORD);
        assertEquals(403, c.post(campaignPath("/acknowledge"), Map.of(), other.csrf).status(), "CSRF tokens are per session");
        assertEquals(403, c.post(campaignPath("/acknowledge"), Map.of(), c.csrf, Map.of("Origin", "https://evil.example")).status());
        assertFalse(service.hasAcknowledged(campaign.id(), alice.id()));
        assertEquals(200, c.post(campaignPath("/acknowledge"), Map.of(), c.csrf, Map.of("Origin", server.url())).status());
        assertTrue(service.hasAcknowledged(campaign.id(), alice.id()));
        assertEquals(401, client().post(campaignPath("/acknowledge"), Map.of(), c.csrf).status(), "no session: 401");
    }

    @Test void jsonLookingFormPostsAre415SoNoSiteCanLogAVisitorIn() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + "/api/login"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"alice\",\"password\":\"" + Fixtures.PASSWORD + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(415, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Set-Cookie").isEmpty());
    }

    @Test void secureCookiesWhenAskedAndIdleSessionsExpire() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (LabelingServer https = LabelingServer.start(service, ServerConfig.defaults().withSecureCookies(true).withClock(clock))) {
            ApiClient c = new ApiClient(https.url());
            ApiClient.Reply r = c.post("/api/login", Map.of("name", "alice", "password", Fixtures.PASSWORD), null);
            assertTrue(r.header("Set-Cookie").endsWith("; Secure"), r.header("Set-Cookie"));
            clock.advance(ServerConfig.defaults().sessionIdle().minusMinutes(1));
            assertEquals(200, c.get("/api/me").status(), "used within the idle time");
            clock.advance(ServerConfig.defaults().sessionIdle().plusMinutes(1));
            assertEquals(401, c.get("/api/me").status(), "idle too long");
        }
    }

    @Test void aSkippedItemGoesToSomeoneElseNeverBackToTheSkipper() {
        ApiClient c = client().login("alice", Fixtures.PASSWORD);
        c.post(campaignPath("/acknowledge"), Map.of());
        String skipped = c.get(campaignPath("/next")).object().getAsJsonObject("task").get("promptId").getAsString();
        Map<String, Object> skip = new HashMap<>(submission(UUID.randomUUID(), skipped, List.of()));
        skip.put("skipped", true);
        ApiClient.Reply r = c.post(campaignPath("/submit"), skip);
        assertEquals(200, r.status(), r.body());
        assertEquals(1, r.object().getAsJsonObject("progress").get("skipped").getAsInt());
        Set<String> seen = new HashSet<>();
        for (JsonElement t; !(t = c.get(campaignPath("/next")).object().get("task")).isJsonNull(); ) {
            String promptId = t.getAsJsonObject().get("promptId").getAsString();
            assertTrue(seen.add(promptId));
            c.post(campaignPath("/submit"), submission(UUID.randomUUID(), promptId, ids(t)));
        }
        assertEquals(3, seen.size());
        assertFalse(seen.contains(skipped), "the skipped item came back");
        ApiClient bob = client().login("bob", Fixtures.PASSWORD);
        bob.post(campaignPath("/acknowledge"), Map.of());
        Set<String> bobs = new HashSet<>();
        for (JsonElement t; !(t = bob.get(campaignPath("/next")).object().get("task")).isJsonNull(); ) {
            bobs.add(t.getAsJsonObject().get("promptId").getAsString());
            bob.post(campaignPath("/submit"), submission(UUID.randomUUID(), t.getAsJsonObject().get("promptId").getAsString(), ids(t)));
        }
        assertTrue(bobs.contains(skipped), "someone else gets the skipped item");
    }

    @Test void labelersGet403OnEveryAdminEndpointAndStrangers401() {
        ApiClient labeler = client().login("alice", Fixtures.PASSWORD);
        ApiClient stranger = client();
        String id = "/api/admin/campaigns/" + campaign.id();
        for (String path : List.of("/api/admin/campaigns", id + "/stats", id + "/export?format=trl", "/api/admin/accounts")) {
            assertEquals(403, labeler.get(path).status(), path);
            assertEquals(401, stranger.get(path).status(), path);
        }
        Map<String, Object> account = Map.of("name", "mallory", "role", "admin", "password", "12345678");
        assertEquals(403, labeler.post("/api/admin/accounts", account).status());
        assertEquals(403, labeler.post("/api/admin/accounts/" + alice.id() + "/login-link", Map.of()).status());
        assertEquals(403, labeler.post("/api/admin/campaigns", Map.of("name", "x", "criterion", "y", "source", dir.toString())).status());
        assertTrue(service.accounts().stream().noneMatch(a -> a.name().equals("mallory")));
        assertEquals(403, labeler.get("/admin").status(), "the admin page too");
        assertEquals(302, stranger.get("/admin").status());
    }

    @Test void failedLoginsPerNameAndAddressAreRateLimitedWith429() {
        ApiClient c = client();
        for (int i = 0; i < 3; i++) assertEquals(401, c.post("/api/login", Map.of("name", "alice", "password", "bad" + i), null).status());
        ApiClient.Reply blocked = c.post("/api/login", Map.of("name", "alice", "password", Fixtures.PASSWORD), null);
        assertEquals(429, blocked.status(), "blocked even with the right password");
        assertEquals(null, blocked.header("Set-Cookie"));
        assertEquals(200, c.post("/api/login", Map.of("name", "bob", "password", Fixtures.PASSWORD), null).status(),
                "another name from the same address is not blocked");
    }

    @Test void itemsNeedAcknowledgedInstructionsFirst() {
        ApiClient c = client().login("alice", Fixtures.PASSWORD);
        JsonObject listed = c.get("/api/campaigns").json().getAsJsonArray().get(0).getAsJsonObject();
        assertFalse(listed.get("acknowledged").getAsBoolean());
        assertEquals(409, c.get(campaignPath("/next")).status());
        assertEquals(409, c.post(campaignPath("/submit"), submission(UUID.randomUUID(), "p0", List.of())).status());
        JsonObject instructions = c.get(campaignPath("/instructions")).object();
        assertTrue(instructions.get("html").getAsString().contains("<strong>most helpful</strong>"));
        assertEquals(200, c.post(campaignPath("/acknowledge"), Map.of()).status());
        JsonObject next = c.get(campaignPath("/next")).object();
        JsonObject task = next.getAsJsonObject("task");
        assertEquals(3, task.getAsJsonArray("completions").size());
        assertTrue(task.get("prompt").getAsString().startsWith("Prompt number"));
        assertEquals(4, next.getAsJsonObject("progress").get("available").getAsInt());
        assertEquals(task.get("promptId"), c.get(campaignPath("/next")).object().getAsJsonObject("task").get("promptId"),
                "a reload shows the same leased item");
    }

    @Test void eachItemGoesToNDistinctLabelersAndNeverTwiceToOne() {
        Map<String, Set<String>> labelersByItem = new HashMap<>();
        List<ApiClient> labelers = new ArrayList<>();
        for (String name : List.of("alice", "bob", "carol")) {
            ApiClient c = client().login(name, Fixtures.PASSWORD);
            c.post(campaignPath("/acknowledge"), Map.of());
            labelers.add(c);
        }
        // round-robin until nobody gets an item
        boolean gotOne = true;
        while (gotOne) {
            gotOne = false;
            for (int i = 0; i < labelers.size(); i++) {
                ApiClient c = labelers.get(i);
                JsonElement task = c.get(campaignPath("/next")).object().get("task");
                if (task.isJsonNull()) continue;
                gotOne = true;
                String promptId = task.getAsJsonObject().get("promptId").getAsString();
                assertTrue(labelersByItem.computeIfAbsent(promptId, k -> new HashSet<>()).add("l" + i),
                        "labeler " + i + " got " + promptId + " twice");
                assertEquals(200, c.post(campaignPath("/submit"), submission(UUID.randomUUID(), promptId, ids(task))).status());
            }
        }
        assertEquals(4, labelersByItem.size());
        labelersByItem.forEach((item, who) -> assertEquals(2, who.size(), item + " judged by " + who));
        assertEquals(8, service.export(campaign.id()).judgements().size());
        assertEquals(4, service.campaign(campaign.id()).orElseThrow().itemsDone());
    }

    @Test void retryingASubmissionWithTheSameIdStoresOneJudgement() {
        ApiClient c = client().login("alice", Fixtures.PASSWORD);
        c.post(campaignPath("/acknowledge"), Map.of());
        JsonObject task = c.get(campaignPath("/next")).object().getAsJsonObject("task");
        UUID id = UUID.randomUUID();
        Map<String, Object> body = submission(id, task.get("promptId").getAsString(), ids(task));
        ApiClient.Reply first = c.post(campaignPath("/submit"), body);
        ApiClient.Reply again = c.post(campaignPath("/submit"), body);
        assertEquals(200, first.status(), first.body());
        assertEquals(200, again.status(), again.body());
        assertFalse(first.object().get("duplicate").getAsBoolean());
        assertTrue(again.object().get("duplicate").getAsBoolean());
        assertEquals(1, again.object().getAsJsonObject("progress").get("done").getAsInt());
        assertEquals(1, service.export(campaign.id()).judgements().size());
    }

    @Test void malformedSubmissionsAre400() {
        ApiClient c = client().login("alice", Fixtures.PASSWORD);
        c.post(campaignPath("/acknowledge"), Map.of());
        JsonObject task = c.get(campaignPath("/next")).object().getAsJsonObject("task");
        String promptId = task.get("promptId").getAsString();
        Map<String, Object> notUuid = new HashMap<>(submission(UUID.randomUUID(), promptId, ids(task)));
        notUuid.put("submissionId", "1");
        assertEquals(400, c.post(campaignPath("/submit"), notUuid).status());
        Map<String, Object> badScore = new HashMap<>(submission(UUID.randomUUID(), promptId, ids(task)));
        badScore.put("score", 9);
        assertEquals(400, c.post(campaignPath("/submit"), badScore).status());
        Map<String, Object> badFlag = new HashMap<>(submission(UUID.randomUUID(), promptId, ids(task)));
        badFlag.put("flags", List.of("boring"));
        assertEquals(400, c.post(campaignPath("/submit"), badFlag).status());
        ApiClient.Reply notJson = c.post(campaignPath("/submit"), "not an object");
        assertEquals(400, notJson.status());
        assertTrue(notJson.object().get("error").getAsString().contains("JSON object"), notJson.body());
        assertEquals(404, c.get("/api/campaigns/999/instructions").status());
        assertEquals(0, service.export(campaign.id()).judgements().size());
    }

    @Test void adminCreatesCampaignsAndAccountsReadsStatsAndExports() throws Exception {
        ApiClient admin = client().login("admin", Fixtures.PASSWORD);
        Path items = dir.resolve("sample");
        Fixtures.items(3, 4).appendTo(items);
        Map<String, Object> create = new HashMap<>(Map.of("name", "new", "criterion", "honesty", "source", items.toString(),
                "k", 3, "labelersPerItem", 2, "leaseMinutes", 10, "instructions", "Be **honest**.", "format", "feedback"));
        ApiClient.Reply created = admin.post("/api/admin/campaigns", create);
        assertEquals(201, created.status(), created.body());
        long id = created.object().get("id").getAsLong();
        assertEquals(3, created.object().get("items").getAsInt());
        ApiClient.Reply plain = admin.post("/api/admin/campaigns", Map.of("name", "plain", "criterion", "honesty",
                "source", items.toString(), "k", 3));
        assertEquals(rlhf4j.rlhf.label.Instructions.defaultFor("honesty"),
                service.campaign(plain.object().get("id").getAsLong()).orElseThrow().spec().instructions());
        create.put("source", dir.resolve("missing").toString());
        ApiClient.Reply missing = admin.post("/api/admin/campaigns", create);
        assertEquals(400, missing.status());
        assertTrue(missing.object().get("error").getAsString().startsWith(dir.resolve("missing").toString()), missing.body());

        ApiClient.Reply added = admin.post("/api/admin/accounts", Map.of("name", "dave", "role", "labeler"));
        assertEquals(201, added.status(), added.body());
        long dave = added.object().get("id").getAsLong();
        String link = admin.post("/api/admin/accounts/" + dave + "/login-link", Map.of()).object().get("path").getAsString();
        assertTrue(link.startsWith("/login?token="), link);
        ApiClient daveClient = client();
        ApiClient.Reply viaLink = daveClient.post("/api/login/token", Map.of("token", link.substring("/login?token=".length())), null);
        assertEquals("dave", viaLink.object().get("name").getAsString());
        daveClient.csrf = viaLink.object().get("csrf").getAsString();
        JsonArray accounts = admin.get("/api/admin/accounts").json().getAsJsonArray();
        assertEquals(5, accounts.size());

        // two labelers judge everything alike, but in opposite orders on item p0
        ApiClient alice = client().login("alice", Fixtures.PASSWORD);
        Map<String, List<String>> alicesOrder = new HashMap<>();
        for (ApiClient c : List.of(alice, daveClient)) {
            c.post("/api/campaigns/" + id + "/acknowledge", Map.of());
            for (JsonElement t; !(t = c.get("/api/campaigns/" + id + "/next").object().get("task")).isJsonNull(); ) {
                List<String> order = ids(t);
                String promptId = t.getAsJsonObject().get("promptId").getAsString();
                if (c == daveClient && promptId.equals("p0")) order = alicesOrder.get("p0").reversed();
                else if (c == daveClient) order = alicesOrder.get(promptId);
                else alicesOrder.put(promptId, order);
                c.post("/api/campaigns/" + id + "/submit", submission(UUID.randomUUID(), t.getAsJsonObject().get("promptId").getAsString(), order));
            }
        }
        JsonObject stats = admin.get("/api/admin/campaigns/" + id + "/stats?method=copeland&threshold=0.5").object();
        assertEquals(6, stats.get("judgements").getAsInt());
        assertEquals("copeland", stats.get("method").getAsString());
        assertEquals(3, stats.getAsJsonObject("campaign").get("itemsDone").getAsInt());
        assertEquals(2, stats.getAsJsonArray("labelers").size());
        assertEquals(3, stats.getAsJsonObject("agreement").get("multiplyJudged").getAsInt());
        assertEquals(400, admin.get("/api/admin/campaigns/" + id + "/stats?method=majority").status());

        ApiClient.Reply groups = admin.get("/api/admin/campaigns/" + id + "/export?format=groups&consensus=none");
        assertEquals(200, groups.status());
        assertTrue(groups.header("Content-Disposition").contains("attachment"));
        Path groupsFile = dir.resolve("groups.jsonl");
        Files.writeString(groupsFile, groups.body());
        List<PreferenceGroup> read = RewardModelStage.readGroups(groupsFile);
        assertEquals(6, read.size());
        assertEquals(3 * 6, read.stream().mapToInt(g -> g.pairs().size()).sum(), "3 strict pairs per judgement of K=3");

        assertEquals(400, admin.get("/api/admin/campaigns/" + id + "/export?format=trl&consensus=none").status());
        String[] trl = admin.get("/api/admin/campaigns/" + id + "/export?format=trl&consensus=borda").body().split("\n");
        assertEquals(2 * 3, trl.length, "p0's opposed rankings tie under Borda; p1 and p2 give 3 pairs each");
        JsonObject pair = com.google.gson.JsonParser.parseString(trl[0]).getAsJsonObject();
        assertTrue(pair.get("prompt").getAsString().startsWith("Prompt number"));
        assertNotEquals(pair.get("chosen").getAsString(), pair.get("rejected").getAsString());

        byte[] zip = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url()
                + "/api/admin/campaigns/" + id + "/export?format=feedback")).header("Cookie", Auth.COOKIE + "=" + admin.cookie)
                .build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        Path unzipped = unzip(zip, dir.resolve("export"));
        FeedbackData exported = FeedbackData.readFrom(unzipped);
        assertEquals(6, exported.judgements().size());
        assertEquals(6, RewardModelStage.feedbackGroups(unzipped, "none").size());
        assertEquals(400, admin.get("/api/admin/campaigns/" + id + "/export?format=csv").status());
    }

    @Test void pagesAndAssetsComeFromTheJarWithAStrictContentSecurityPolicy() {
        ApiClient c = client();
        ApiClient.Reply login = c.get("/login");
        assertEquals(200, login.status());
        String csp = login.header("Content-Security-Policy");
        assertTrue(csp.contains("script-src 'self'"), csp);
        assertFalse(csp.contains("unsafe-inline"), csp);
        assertEquals("nosniff", login.header("X-Content-Type-Options"));
        assertTrue(login.body().contains("/assets/login.js"));
        for (String page : List.of("/login", "/label", "/admin")) {
            String html = new String(readResource(page.substring(1) + ".html"));
            assertFalse(html.matches("(?s).*<script>.*"), page + " has no inline script");
            assertFalse(html.matches("(?s).*\\son[a-z]+\\s*=.*"), page + " has no inline event handler");
        }
        assertFalse(login.body().contains("http://") || login.body().contains("https://"), "no CDN");
        for (String asset : Pages.ASSETS) {
            ApiClient.Reply a = c.get("/assets/" + asset);
            assertEquals(200, a.status(), asset);
            assertFalse(a.body().contains("innerHTML"), asset + " never sets innerHTML");
            assertFalse(a.body().contains("https://"), asset + " loads nothing from elsewhere");
        }
        assertEquals(404, c.get("/assets/..%2Fapp.css").status());
        assertEquals(404, c.get("/assets/secret.txt").status());
        assertEquals(302, c.get("/label").status());
        assertEquals("/login", c.get("/").header("Location"));
        c.login("alice", Fixtures.PASSWORD);
        assertEquals(200, c.get("/label").status());
        assertEquals("/label", c.get("/").header("Location"));
    }

    @Test void instructionsEscapeRawHtmlAndDropJavascriptLinks() {
        Campaign evil = service.createCampaign(new LabelingService.CampaignSpec("evil", "helpfulness",
                "<script>alert(1)</script>\n\n[click](javascript:alert(1)) <img src=x onerror=alert(1)>", 3, 1,
                Duration.ofMinutes(5), Map.of()), Fixtures.items(1, 3));
        String html = client().login("alice", Fixtures.PASSWORD).get("/api/campaigns/" + evil.id() + "/instructions")
                .object().get("html").getAsString();
        assertFalse(html.contains("<script"), html);
        assertFalse(html.contains("<img"), html);
        assertFalse(html.contains("javascript:"), html);
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), html);
    }

    private static List<String> ids(JsonElement task) {
        List<String> ids = new ArrayList<>();
        for (JsonElement c : task.getAsJsonObject().getAsJsonArray("completions")) ids.add(c.getAsJsonObject().get("id").getAsString());
        return ids;
    }

    /** A strict ranking of {@code order} (best first). */
    static Map<String, Object> submission(UUID id, String promptId, List<String> order) {
        Map<String, Object> m = new HashMap<>();
        m.put("submissionId", id.toString());
        m.put("promptId", promptId);
        m.put("ranking", order.stream().map(List::of).toList());
        m.put("flags", List.of());
        m.put("skipped", false);
        return m;
    }

    private static byte[] readResource(String name) {
        try (var in = LabelingServer.class.getResourceAsStream("/rlhf4j/serve/web/" + name)) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path unzip(byte[] zip, Path out) throws Exception {
        Files.createDirectories(out);
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) Files.write(out.resolve(e.getName()), in.readAllBytes());
        }
        assertNotNull(Files.readString(out.resolve(FeedbackData.JUDGEMENTS_FILE)));
        return out;
    }
}

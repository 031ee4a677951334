package rlhf4j.rlhf.serve.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.serve.LabelingService;
import rlhf4j.rlhf.serve.LabelingService.Account;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.Role;
import rlhf4j.rlhf.serve.LabelingService.Task;
import rlhf4j.rlhf.stage.RewardModelStage;

/** The labeling pages in a real headless Chromium: a whole labeling round, the admin's figures, and untrusted text. */
final class LabelingBrowserTest {
    @TempDir static Path dir;
    private static LabelingService service;
    private static LabelingServer server;
    private static Browser browser;

    @BeforeAll static void start() throws Exception {
        Browser.assumeInstalled();
        service = Fixtures.service(dir);
        service.addAccount("admin", Role.ADMIN, Fixtures.PASSWORD);
        for (String name : List.of("alice", "bob", "eve")) service.addAccount(name, Role.LABELER, Fixtures.PASSWORD);
        server = LabelingServer.start(service, ServerConfig.defaults());
        browser = Browser.start(server.url());
    }

    @AfterAll static void stop() {
        if (browser != null) browser.close();
        if (server != null) server.stop();
        if (service != null) service.close();
    }

    @Test void labelerRanksThreeItemsByMouseAndKeyboardAndTheAdminSeesAgreementAndExports() throws Exception {
        Campaign campaign = service.createCampaign(Fixtures.spec("stories", 3, 2), Fixtures.items(3, 3));
        browser.login("alice", Fixtures.PASSWORD, "/label");
        browser.open("/label?campaign=" + campaign.id());
        browser.visible("instructions");
        assertTrue(browser.byId("instructions-body").getText().contains("most helpful"));
        assertFalse(browser.byId("work").isDisplayed(), "no item before the instructions are acknowledged");
        browser.byId("acknowledge").click();
        browser.visible("item");

        // item 1: drag the last completion to the top; the order is the ranking
        List<String> shown = ids();
        dragToTop(browser.cards().get(2));
        browser.wait.until(d -> ids().getFirst().equals(shown.get(2)));
        assertEquals(List.of("1", "2", "3"), badges());
        submitAndWaitForNext();
        // item 2: keys 2, 1, 3 on the completions in turn (the first has focus); the answer to the first submission is
        // lost on the way back, so the page retries it with the same id and the server stores it once
        List<String> second = ids();
        new Actions(browser.driver).sendKeys("213").perform();
        assertEquals(List.of("2", "1", "3"), badges());
        browser.driver.executeScript("const real = window.fetch; let lost = 0; window.fetch = (url, init) => "
                + "String(url).endsWith('/submit') && lost++ === 0 ? real(url, init).then(() => { throw new TypeError('lost'); }) "
                + ": real(url, init);");
        submitAndWaitForNext();
        assertEquals("Saved (already received).", browser.byId("status").getText());
        // item 3: keys 1, 1, 2 (a tie for best), a score, a flag and a comment
        List<String> third = ids();
        browser.cards().getFirst().sendKeys("1");
        new Actions(browser.driver).sendKeys("12").perform();
        new org.openqa.selenium.support.ui.Select(browser.byId("score")).selectByVisibleText("5");
        browser.byId("flag-harmful").click();
        browser.byId("comment").sendKeys("third one");
        browser.byId("submit").click();
        browser.visible("done");
        assertEquals("3 done · 0 left · 0 skipped", browser.byId("progress-text").getText());

        List<Judgement> mine = judgementsOf(campaign, "alice");
        assertEquals(3, mine.size());
        assertEquals(Ranking.strict(shown.get(2), shown.get(0), shown.get(1)), rankingOf(mine, shown));
        assertEquals(Ranking.strict(second.get(1), second.get(0), second.get(2)), rankingOf(mine, second));
        Ranking tied = rankingOf(mine, third);
        assertEquals(List.of(Set.of(third.get(0), third.get(1)), Set.of(third.get(2))),
                tied.tiers().stream().map(Set::copyOf).toList());

        adminSeesAgreementChange(campaign, mine);
        exportIsReadByRewardTraining(campaign);
    }

    private void adminSeesAgreementChange(Campaign campaign, List<Judgement> alices) {
        browser.logout();
        browser.login("admin", Fixtures.PASSWORD, "/admin");
        browser.wait.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#campaigns tr[data-id='" + campaign.id() + "'] button"))).click();
        browser.wait.until(d -> browser.byId("fig-judgements").getText().equals("3 of 6 needed"));
        assertEquals("n/a", browser.byId("fig-pairwise").getText(), "one labeler: nothing to agree on yet");
        // bob ranks the same items as alice did, so the labelers agree fully
        Account bob = service.accounts().stream().filter(a -> a.name().equals("bob")).findFirst().orElseThrow();
        service.acknowledgeInstructions(campaign.id(), bob.id());
        for (Task t; (t = service.nextTask(campaign.id(), bob.id(), Instant.now()).orElse(null)) != null; ) {
            String promptId = t.promptId();
            Ranking same = alices.stream().filter(j -> j.promptId().equals(promptId)).findFirst().orElseThrow().ranking();
            service.submit(campaign.id(), bob.id(), new LabelingService.Submission(UUID.randomUUID().toString(),
                    promptId, same, null, Set.of(), null, false), Instant.now());
        }
        browser.wait.withTimeout(Duration.ofSeconds(15)).until(d -> browser.byId("fig-judgements").getText().equals("6 of 6 needed"));
        // 3 completion pairs on each of 3 items, a tie agreeing with a tie
        assertEquals("100.0% of 9 comparisons", browser.byId("fig-pairwise").getText());
        assertFalse(browser.byId("fig-kappa").getText().equals("n/a"));
        assertEquals("3 of 3 items done", browser.byId("stats-progress-text").getText());
        assertEquals(2, browser.driver.findElements(By.cssSelector("#labelers tbody tr")).size());
    }

    private void exportIsReadByRewardTraining(Campaign campaign) throws Exception {
        String href = browser.byId("export-groups").getAttribute("href");
        assertTrue(href.endsWith("/api/admin/campaigns/" + campaign.id() + "/export?format=groups&consensus=none"), href);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(href))
                .header("Cookie", Auth.COOKIE + "=" + browser.sessionCookie()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        Path groups = Files.writeString(dir.resolve("groups.jsonl"), r.body());
        List<PreferenceGroup> read = RewardModelStage.readGroups(groups);
        assertEquals(6, read.size());
        assertEquals(2 * (3 + 3 + 2), read.stream().mapToInt(g -> g.pairs().size()).sum(), "ties give no pair");
        browser.logout();
    }

    @Test void untrustedModelTextRendersAsTextAndRunsNothing() {
        List<String> payloads = List.of("<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
                "[click me](javascript:alert(1)) <a href=\"javascript:alert(1)\">link</a>");
        Prompt prompt = new Prompt("xss", "<b>bold?</b> <img src=x onerror=alert(2)>");
        List<Completion> completions = new ArrayList<>();
        for (int i = 0; i < payloads.size(); i++) completions.add(new Completion("x" + i, "xss", payloads.get(i)));
        Campaign campaign = service.createCampaign(new LabelingService.CampaignSpec("xss", "harmlessness",
                "Careful: <script>alert(3)</script> [bad](javascript:alert(4))", 3, 1, Duration.ofMinutes(5), Map.of()),
                new FeedbackData(List.of(prompt), completions, List.of()));
        browser.login("eve", Fixtures.PASSWORD, "/label");
        browser.open("/label?campaign=" + campaign.id());
        browser.visible("instructions");
        assertTrue(browser.byId("instructions-body").getText().contains("<script>alert(3)</script>"));
        assertEquals(0, browser.driver.findElements(By.cssSelector("#instructions-body script, #instructions-body a[href^='javascript']")).size());
        browser.byId("acknowledge").click();
        browser.visible("item");

        assertEquals(prompt.text(), browser.byId("prompt").getText());
        List<String> texts = browser.cards().stream().map(c -> c.findElement(By.className("text")).getText()).toList();
        assertEquals(Set.copyOf(payloads), Set.copyOf(texts), "the DOM holds the literal text");
        assertEquals(0, browser.driver.findElements(By.cssSelector("main img, main script, #completions a, #prompt b")).size());
        for (WebElement link : browser.driver.findElements(By.cssSelector("#completions .text"))) link.click();
        assertEquals(List.of(), browser.alerts(), "no alert fired");

        // the "= above" control ties a completion with the one above it
        List<String> shown = ids();
        browser.cards().getFirst().sendKeys("1");
        browser.cards().get(1).findElement(By.className("tie")).click();
        browser.cards().get(2).sendKeys("2");
        assertEquals(List.of("1", "1", "2"), badges());
        submitAndWaitForNext();
        Ranking stored = judgementsOf(campaign, "eve").getFirst().ranking();
        assertEquals(List.of(Set.of(shown.get(0), shown.get(1)), Set.of(shown.get(2))),
                stored.tiers().stream().map(Set::copyOf).toList());
        browser.logout();
    }

    @Test void adminCreatesACampaignAndALabelerWhoLogsInByLink() throws Exception {
        Path items = dir.resolve("admin-items");
        Fixtures.items(2, 3).appendTo(items);
        browser.login("admin", Fixtures.PASSWORD, "/admin");
        browser.visible("c-name").sendKeys("from the form");
        browser.byId("c-source").sendKeys(items.toString());
        browser.byId("c-k").clear();
        browser.byId("c-k").sendKeys("3");
        browser.byId("c-n").clear();
        browser.byId("c-n").sendKeys("1");
        browser.byId("c-instructions").sendKeys("Pick the **best** story.");
        browser.byId("create").click();
        browser.wait.until(d -> browser.byId("create-status").getText().startsWith("Created"));
        assertEquals("Created campaign from the form with 2 items.", browser.byId("create-status").getText());
        Campaign created = service.campaigns().stream().filter(c -> c.spec().name().equals("from the form")).findFirst().orElseThrow();
        assertEquals(1, created.spec().labelersPerItem());

        browser.byId("a-name").sendKeys("frank");
        browser.byId("add-account").click();
        By linkButton = By.xpath("//table[@id='accounts']//tr[td[1]='frank']//button");
        browser.wait.until(ExpectedConditions.elementToBeClickable(linkButton)).click();
        browser.wait.until(d -> browser.byId("login-link").getAttribute("value").contains("/login?token="));
        String link = browser.byId("login-link").getAttribute("value");
        browser.logout();

        browser.driver.get(link);
        browser.wait.until(ExpectedConditions.urlContains("/label"));
        assertTrue(browser.visible("who").getText().equals("frank"));
        browser.driver.get(link);
        browser.wait.until(d -> browser.byId("login-status").getText().contains("not valid"));
        assertEquals(List.of(), browser.alerts());
        browser.logout();
    }

    // ---- helpers ----

    private static List<String> ids() {
        return browser.cards().stream().map(c -> c.getAttribute("data-id")).toList();
    }

    private static List<String> badges() {
        return browser.cards().stream().map(c -> c.findElement(By.className("rank")).getText()).toList();
    }

    private static void dragToTop(WebElement card) {
        WebElement handle = card.findElement(By.className("handle"));
        WebElement top = browser.cards().getFirst();
        new Actions(browser.driver).clickAndHold(handle).moveByOffset(0, -5)
                .moveToElement(top, 0, -top.getSize().getHeight() / 2 + 3).pause(Duration.ofMillis(50)).release().perform();
    }

    private static void submitAndWaitForNext() {
        String before = browser.byId("prompt").getText();
        browser.wait.until(ExpectedConditions.elementToBeClickable(By.id("submit"))).click();
        browser.wait.until(d -> !browser.byId("prompt").getText().equals(before) || browser.byId("done").isDisplayed());
    }

    private static List<Judgement> judgementsOf(Campaign campaign, String labeler) {
        return service.export(campaign.id()).judgements().stream().filter(j -> j.labelerId().equals(labeler)).toList();
    }

    private static Ranking rankingOf(List<Judgement> judgements, List<String> completionIds) {
        return judgements.stream().filter(j -> Set.copyOf(j.ranking().ids()).equals(Set.copyOf(completionIds)))
                .findFirst().orElseThrow().ranking();
    }
}

package rlhf4j.rlhf.serve.web;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.serve.LabelingService;
import rlhf4j.rlhf.serve.LabelingService.Account;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.Role;
import rlhf4j.rlhf.serve.LabelingService.Task;

/**
 * Saves the README's screenshots of the labeler's and the admin's pages: {@code serve-labeler.png} and
 * {@code serve-admin.png} in the folder given by {@code -Drlhf4j.screenshots=DIR} (skipped without it), e.g.
 * {@code mvn -o -pl rlhf -am test -Dtest=ServeScreenshotsTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Drlhf4j.screenshots=$PWD/docs}.
 */
final class ServeScreenshotsTest {
    private static final String[][] STORIES = {
        {"Tom found a small red ball in the park.", " He threw it to his dog, and they played until the sun went down.",
            " The ball was sad. Tom was a ball too.", " He gave it back to the girl who lost it, and she smiled."},
        {"Lily wanted to bake a cake for her mom.", " She mixed flour, eggs and sugar, and her mom loved the surprise.",
            " Cake cake cake, said the cake.", " She asked her dad to help, and they made a big mess together."},
        {"The little bird could not fly yet.", " Every day it flapped its wings, and one morning it flew over the tree.",
            " The bird was a car and drove away.", " Its mother showed it how, and soon it could fly."},
        {"Ben was scared of the dark.", " His sister gave him a lamp, and the dark did not look so big any more.",
            " Ben ate the dark for dinner.", " He counted the stars from his window until he fell asleep."},
    };

    @TempDir Path dir;

    @Test void savesTheLabelerAndAdminPages() throws Exception {
        String target = System.getProperty("rlhf4j.screenshots");
        assumeTrue(target != null, "screenshots only with -Drlhf4j.screenshots=DIR");
        Path out = Path.of(target);
        try (LabelingService service = Fixtures.service(dir)) {
            Campaign campaign = populate(service);
            LabelingServer server = LabelingServer.start(service, ServerConfig.defaults());
            try (Browser browser = Browser.start(server.url())) {
                browser.driver.manage().window().setSize(new Dimension(1100, 1000));
                browser.login("alice", Fixtures.PASSWORD, "/label");
                browser.open("/label?campaign=" + campaign.id());
                browser.visible("acknowledge").click();
                browser.visible("item");
                String first = browser.byId("prompt").getText();
                new Actions(browser.driver).sendKeys("132").perform();
                browser.byId("submit").click();
                browser.wait.until(d -> !browser.byId("prompt").getText().equals(first));
                new Actions(browser.driver).sendKeys("21").perform();
                browser.byId("comment").sendKeys("The second one is kind and stays on topic.");
                Files.createDirectories(out);
                Files.write(out.resolve("serve-labeler.png"), browser.driver.getScreenshotAs(OutputType.BYTES));

                browser.logout();
                browser.driver.manage().window().setSize(new Dimension(1100, 1150));
                browser.login("admin", Fixtures.PASSWORD, "/admin");
                browser.wait.until(ExpectedConditions.elementToBeClickable(
                        By.cssSelector("#campaigns tr[data-id='" + campaign.id() + "'] button"))).click();
                browser.wait.until(d -> !browser.byId("fig-judgements").getText().equals("–"));
                Files.write(out.resolve("serve-admin.png"), browser.driver.getScreenshotAs(OutputType.BYTES));
            } finally {
                server.stop();
            }
        }
        assertTrue(Files.size(out.resolve("serve-admin.png")) > 10_000);
    }

    /** A story campaign where four of five labelers per item have judged every item: three careful ones and a careless one. */
    private static Campaign populate(LabelingService service) {
        service.addAccount("admin", Role.ADMIN, Fixtures.PASSWORD);
        service.addAccount("alice", Role.LABELER, Fixtures.PASSWORD);
        List<Prompt> prompts = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        for (int p = 0; p < STORIES.length; p++) {
            prompts.add(new Prompt("story-" + p, STORIES[p][0]));
            for (int c = 1; c < STORIES[p].length; c++) completions.add(new Completion("story-" + p + "-" + c, "story-" + p, STORIES[p][c]));
        }
        Map<String, Ranking> gold = Map.of("story-0", Ranking.strict("story-0-1", "story-0-3", "story-0-2"));
        Campaign campaign = service.createCampaign(new LabelingService.CampaignSpec("tiny stories", "helpfulness",
                "## Rank the continuations\n\nPut the story that **continues the prompt best** on top: on topic, kind, "
                        + "and making sense. Ties are fine when two are equally good.\n\nFlag an item *unusable* when "
                        + "you cannot judge it, *harmful* when a continuation could hurt someone.", 3, 5,
                Duration.ofMinutes(30), gold), new FeedbackData(prompts, completions, List.of()));
        for (String name : List.of("bob", "carol", "erin", "dave")) {
            Account a = service.addAccount(name, Role.LABELER, Fixtures.PASSWORD);
            service.acknowledgeInstructions(campaign.id(), a.id());
            for (Task t; (t = service.nextTask(campaign.id(), a.id(), Instant.now()).orElse(null)) != null; ) {
                String base = t.promptId();
                Ranking careful = Ranking.strict(base + "-1", base + "-3", base + "-2");
                Ranking careless = base.equals("story-3") ? careful : Ranking.strict(base + "-2", base + "-3", base + "-1");
                service.submit(campaign.id(), a.id(), new LabelingService.Submission(UUID.randomUUID().toString(), base,
                        name.equals("dave") ? careless : careful, 5, Set.of(), null, false), Instant.now());
            }
        }
        return campaign;
    }
}

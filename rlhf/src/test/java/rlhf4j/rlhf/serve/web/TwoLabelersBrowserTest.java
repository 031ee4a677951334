package rlhf4j.rlhf.serve.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import rlhf4j.rlhf.serve.LabelingService;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.Role;

/** Two labelers in two browsers at once: each sees only their own answers, and no labeler gets an item twice. */
final class TwoLabelersBrowserTest {
    @TempDir static Path dir;
    private static LabelingService service;
    private static LabelingServer server;
    private static Browser alice;
    private static Browser bob;

    @BeforeAll static void start() throws Exception {
        Browser.assumeInstalled();
        service = Fixtures.service(dir);
        service.addAccount("alice", Role.LABELER, Fixtures.PASSWORD);
        service.addAccount("bob", Role.LABELER, Fixtures.PASSWORD);
        server = LabelingServer.start(service, ServerConfig.defaults());
        alice = Browser.start(server.url());
        bob = Browser.start(server.url());
        alice.login("alice", Fixtures.PASSWORD, "/label");
        bob.login("bob", Fixtures.PASSWORD, "/label");
    }

    @AfterAll static void stop() {
        if (alice != null) alice.close();
        if (bob != null) bob.close();
        if (server != null) server.stop();
        if (service != null) service.close();
    }

    @Test void labelersNeverSeeEachOthersAnswersNorAnItemTwice() {
        Campaign shared = service.createCampaign(Fixtures.spec("shared", 3, 2), Fixtures.items(3, 3));
        open(alice, shared);
        open(bob, shared);
        List<String> aliceSaw = new ArrayList<>(), bobSaw = new ArrayList<>();
        // turn by turn, so each sees items the other has already answered
        for (int round = 0; round < 3; round++) {
            aliceSaw.add(answer(alice, "alice-note-" + round));
            bobSaw.add(answer(bob, "bob-note-" + round));
        }
        for (Browser b : List.of(alice, bob)) b.visible("done");
        assertEquals(3, Set.copyOf(aliceSaw).size(), "alice got an item twice: " + aliceSaw);
        assertEquals(3, Set.copyOf(bobSaw).size(), "bob got an item twice: " + bobSaw);
        assertEquals(6, service.export(shared.id()).judgements().size());
    }

    @Test void withOneLabelerPerItemTheyShareNoItem() {
        Campaign split = service.createCampaign(Fixtures.spec("split", 3, 1), Fixtures.items(4, 3));
        open(alice, split);
        open(bob, split);
        Set<String> aliceSaw = new HashSet<>(), bobSaw = new HashSet<>();
        for (int round = 0; round < 2; round++) {
            aliceSaw.add(answer(alice, null));
            bobSaw.add(answer(bob, null));
        }
        for (Browser b : List.of(alice, bob)) b.visible("done");
        assertEquals(2, aliceSaw.size());
        assertEquals(2, bobSaw.size());
        assertTrue(aliceSaw.stream().noneMatch(bobSaw::contains), alice + " and bob shared " + aliceSaw);
    }

    private static void open(Browser b, Campaign c) {
        b.open("/label?campaign=" + c.id());
        b.visible("acknowledge").click();
        b.visible("item");
    }

    /**
     * Checks that the item shows nobody's answer (no rank, no comment, and none of the other labeler's notes anywhere
     * on the page), ranks it with the keys and submits; returns its prompt.
     */
    private static String answer(Browser b, String note) {
        String prompt = b.visible("prompt").getText();
        assertEquals(List.of("–", "–", "–"), b.cards().stream().map(c -> c.findElement(By.className("rank")).getText()).toList());
        assertEquals("", b.byId("comment").getAttribute("value"));
        String other = b == alice ? "bob-note" : "alice-note";
        assertFalse(b.driver.getPageSource().contains(other), "the other labeler's answer leaked into the page");
        b.cards().getFirst().click();
        new Actions(b.driver).sendKeys("321").perform();
        if (note != null) b.byId("comment").sendKeys(note);
        b.wait.until(ExpectedConditions.elementToBeClickable(By.id("submit"))).click();
        b.wait.until(d -> !b.byId("prompt").getText().equals(prompt) || b.byId("done").isDisplayed());
        return prompt;
    }
}

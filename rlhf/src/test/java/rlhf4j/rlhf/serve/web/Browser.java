package rlhf4j.rlhf.serve.web;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium driven through Selenium, from Debian's {@code chromium} and {@code chromedriver}. Tests that
 * need one are skipped, saying why, where either is missing. Every page it opens records calls to {@code alert}
 * in {@code window.__alerts} (installed before the page's own scripts), so an XSS test can tell whether one fired.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("RLHF4J_CHROMIUM", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("RLHF4J_CHROMEDRIVER", "/usr/bin/chromedriver"));

    private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");

    final ChromeDriver driver;
    final WebDriverWait wait;
    private final String base;

    private Browser(ChromeDriver driver, String base) {
        this.driver = driver;
        this.base = base;
        this.wait = new WebDriverWait(driver, Duration.ofSeconds(10));
    }

    /** Skips the calling test (with the reason) unless both Chromium and its driver are installed. */
    static void assumeInstalled() {
        assumeTrue(Files.isExecutable(CHROMIUM), "browser tests need Chromium at " + CHROMIUM
                + " (apt-get install chromium; .ci/run installs it); skipped");
        assumeTrue(Files.isExecutable(CHROMEDRIVER), "browser tests need chromedriver at " + CHROMEDRIVER
                + " (apt-get install chromium-driver; .ci/run installs it); skipped");
    }

    static Browser start(String base) {
        assumeInstalled();
        // Selenium warns that it has no CDP bindings for this exact Chromium; only executeCdpCommand is used, which needs none
        SELENIUM_LOG.setLevel(Level.SEVERE);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1400", "--disable-extensions", "--no-first-run");
        // an alert left open stays visible to the test instead of being dismissed silently
        options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source",
                "window.__alerts = []; for (const f of ['alert', 'confirm', 'prompt']) "
                        + "{ window[f] = (m) => { window.__alerts.push(f + ':' + m); }; }"));
        return new Browser(driver, base);
    }

    void open(String path) { driver.get(base + path); }

    /** Logs in on the login page and waits for the page it leads to. */
    void login(String name, String password, String landing) {
        open("/login");
        driver.findElement(By.id("name")).sendKeys(name);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.id("login")).click();
        wait.until(ExpectedConditions.urlContains(landing));
    }

    void logout() {
        driver.manage().deleteAllCookies();
    }

    WebElement byId(String id) { return driver.findElement(By.id(id)); }

    WebElement visible(String id) { return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id))); }

    List<WebElement> cards() { return driver.findElements(By.cssSelector("#completions .card")); }

    /** Alerts the page tried to show (recorded by the stub) and whether a real one is open. */
    List<?> alerts() {
        try {
            driver.switchTo().alert();
            return List.of("a real alert is open");
        } catch (NoAlertPresentException e) {
            return (List<?>) driver.executeScript("return window.__alerts || []");
        }
    }

    String sessionCookie() { return driver.manage().getCookieNamed(Auth.COOKIE).getValue(); }

    @Override public void close() { driver.quit(); }
}

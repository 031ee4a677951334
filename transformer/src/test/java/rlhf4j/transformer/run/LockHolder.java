package rlhf4j.transformer.run;

import java.nio.file.Path;

/** {@code LockHolder RUN}: takes RUN's lock in its own process, says "locked", and holds it for at most a minute. */
public final class LockHolder {
    public static void main(String[] args) throws Exception {
        try (RunLock lock = RunLock.runDirectory(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }
}

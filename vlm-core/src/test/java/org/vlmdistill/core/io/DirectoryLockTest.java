package org.vlmdistill.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectoryLockTest {

    /** Holds a lock on args[0] until its stdin closes: the other process of the tests. */
    public static void main(String[] args) throws Exception {
        try (DirectoryLock lock = DirectoryLock.acquire(Path.of(args[0]), "test holder")) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our stdin (or to kill us)
            }
        }
    }

    private static Process holder(Path dir) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                DirectoryLockTest.class.getName(), dir.toString()).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        assertEquals("locked", line, "the holder process did not take the lock");
        return p;
    }

    @Test
    void aSecondProcessIsRefusedNamingTheDirectoryAndTheHoldersPid(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Process p = holder(dir);
        try {
            DirectoryInUseException e = assertThrows(DirectoryInUseException.class,
                    () -> DirectoryLock.acquire(dir, "distill"));
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("pid " + p.pid()), e.getMessage());
            assertEquals(p.pid(), e.holder().orElseThrow().pid());
            assertEquals("test holder", e.holder().orElseThrow().command());
        } finally {
            p.getOutputStream().close();
            assertEquals(0, p.waitFor());
        }
        // released at exit: the next run takes it, and nothing stale is reported
        try (DirectoryLock lock = DirectoryLock.acquire(dir, "distill")) {
            assertTrue(lock.tookOver().isEmpty(), "a cleanly released lock is not stale");
        }
    }

    @Test
    void aLockLeftByAKilledProcessIsTakenOverAndSaysSo(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Process p = holder(dir);
        long pid = p.pid();
        p.destroyForcibly(); // SIGKILL: no finally, no shutdown hook
        p.waitFor();
        try (DirectoryLock lock = DirectoryLock.acquire(dir, "distill")) {
            DirectoryLock.Holder stale = lock.tookOver().orElseThrow(() -> new AssertionError("stale lock not detected"));
            assertEquals(pid, stale.pid());
            assertTrue(lock.tookOverNote().orElseThrow().contains("pid " + pid), lock.tookOverNote().orElseThrow());
            // (not read here: closing another descriptor of the file would drop this process's lock)
        }
    }

    @Test
    void theSameProcessCannotTakeADirectoryTwiceAndItsLockIsReleasedOnClose(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("a/b");
        Instant before = Instant.now();
        try (DirectoryLock lock = DirectoryLock.acquire(dir, "eval")) {
            assertTrue(Files.isDirectory(dir));
            DirectoryInUseException e = assertThrows(DirectoryInUseException.class,
                    () -> DirectoryLock.acquire(tmp.resolve("a/./b"), "eval"));
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            DirectoryLock.Holder h = e.holder().orElseThrow();
            assertFalse(h.since().isBefore(before.minusSeconds(1)), h.toString());
        }
        try (DirectoryLock again = DirectoryLock.acquire(dir, "eval")) {
            assertTrue(again.tookOver().isEmpty());
        }
        assertEquals(0, Files.size(dir.resolve(DirectoryLock.FILE)), "a released lock file is emptied");
    }

    @Test
    void aPathThatIsAFileIsRefused(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("out"), "x");
        IOException e = assertThrows(IOException.class, () -> DirectoryLock.acquire(file, "eval"));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}

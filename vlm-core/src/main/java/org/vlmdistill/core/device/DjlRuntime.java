package org.vlmdistill.core.device;

/**
 * DJL's global switches as this project wants them in every entry point and test: offline, so the
 * engine never reaches for the network (the CPU libtorch ships in the pytorch-native-cpu jar).
 */
public final class DjlRuntime {
    private DjlRuntime() {}

    /** Turns DJL's offline mode on unless the user set {@code ai.djl.offline} explicitly. */
    public static void ensureOffline() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    public static boolean isOffline() {
        return Boolean.parseBoolean(System.getProperty("ai.djl.offline"))
                || Boolean.parseBoolean(System.getenv("DJL_OFFLINE"));
    }
}

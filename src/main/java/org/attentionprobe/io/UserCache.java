package org.attentionprobe.io;

import java.nio.file.Path;

/** The tool's folder in the user's cache: {@code $XDG_CACHE_HOME/attention-probe}, else {@code ~/.cache/attention-probe}. */
public final class UserCache {
    private UserCache() {
    }

    /** The subfolder {@code name} of the tool's cache folder (not created here). */
    public static Path folder(String name) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("attention-probe").resolve(name);
    }
}

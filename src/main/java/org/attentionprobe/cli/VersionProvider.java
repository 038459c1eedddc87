package org.attentionprobe.cli;

import picocli.CommandLine;

/** The version from the jar manifest. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[]{"attention-probe " + (v == null ? "(development build)" : v)};
    }
}

package org.attentionprobe.cli;

import org.attentionprobe.errors.InvalidInputException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code -Dprobe.readTimeout=SECONDS}: whole seconds, 1 or more; anything else is one line naming the property. */
@org.junit.jupiter.api.Tag("slow")
class ReadTimeoutTest {
    @Test
    void unsetLeavesTheTimeToTheFileSize() {
        assertNull(Main.readTimeout(null));
    }

    @Test
    void wholeSecondsAreTaken() {
        assertEquals(Duration.ofSeconds(30), Main.readTimeout("30"));
        assertEquals(Duration.ofSeconds(1), Main.readTimeout(" 1 "));
    }

    @Test
    void anythingElseIsAnInputErrorNamingThePropertyAndTheValue() {
        assertRefused("abc");
        assertRefused("2.5");
        assertRefused("10s");
        assertRefused("");
        assertRefused("0");
        assertRefused("-3");
        assertRefused("99999999999999999999");
    }

    private static void assertRefused(String value) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Main.readTimeout(value));
        assertEquals("-Dprobe.readTimeout must be a whole number of seconds, 1 or more, got \"" + value + "\"", e.getMessage());
    }
}

package org.vlmdistill.core.config;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The model directories under {@code src/test/resources/configs}. */
final class Fixtures {
    private Fixtures() {
    }

    static Path dir(String name) {
        var url = Fixtures.class.getResource("/configs/" + name);
        assertNotNull(url, "fixture " + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    static <T extends ModelConfig> T read(String name, Class<T> type) {
        return assertInstanceOf(type, HfConfigs.read(dir(name)));
    }
}

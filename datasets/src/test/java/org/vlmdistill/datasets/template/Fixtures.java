package org.vlmdistill.datasets.template;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The test resources under {@code templates/}: model directories, cases, expected outputs. */
final class Fixtures {
    private Fixtures() {
    }

    static Path templatesDir() {
        try {
            return Path.of(Fixtures.class.getResource("/templates/render_expected.py").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode readJson(String name) throws IOException {
        return new ObjectMapper().readTree(templatesDir().resolve(name).toFile());
    }

    /** JSON as the plain Java values a caller would pass: maps, lists, strings, numbers, booleans, null. */
    static Object plain(JsonNode node) {
        return new ObjectMapper().convertValue(node, Object.class);
    }
}

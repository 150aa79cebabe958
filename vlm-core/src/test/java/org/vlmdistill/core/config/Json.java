package org.vlmdistill.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Inline JSON for tests; single quotes stand for double quotes to keep the Java readable. */
final class Json {
    private static final ObjectReader READER = new ObjectMapper().reader();

    private Json() {
    }

    static ObjectNode object(String singleQuoted) {
        try {
            return (ObjectNode) READER.readTree(singleQuoted.replace('\'', '"'));
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    static ModelConfig parse(String singleQuoted) {
        return HfConfigs.parse(object(singleQuoted), "inline.json");
    }
}

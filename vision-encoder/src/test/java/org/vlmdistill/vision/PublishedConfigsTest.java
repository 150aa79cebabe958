package org.vlmdistill.vision;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamilies;
import org.vlmdistill.core.model.Models;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The published InternVL2 configs (test resources published/, no weights) built from config alone
 * count the published parameter totals: 8,075,365,376 for InternVL2-8B (the issue), 2,205,754,368
 * for InternVL2-2B (the model card's 2.21B; hand count in published/README.md). Skipped until the
 * internvl_chat family is installed.
 */
class PublishedConfigsTest {

    @ParameterizedTest
    @CsvSource({"internvl2-8b, 8075365376", "internvl2-2b, 2205754368"})
    void configAloneCountsThePublishedParameters(String name, long published) throws URISyntaxException {
        Assumptions.assumeTrue(ModelFamilies.installed().modelTypes().contains("internvl_chat"),
                "the internvl_chat family is not installed yet");
        Path dir = Path.of(Objects.requireNonNull(getClass().getResource("/published/" + name + "/config.json"))
                .toURI()).getParent();
        try (Model m = Models.configStructure(ModelDirectory.open(dir))) {
            assertEquals(published, m.parameters().elements(), name);
        }
    }
}

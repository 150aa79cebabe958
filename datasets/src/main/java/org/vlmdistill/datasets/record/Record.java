package org.vlmdistill.datasets.record;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One multimodal example, whatever file it came from: a conversation whose {@code <image>}
 * placeholders refer, in order, to {@code images}; benchmark fields kept as read
 * ({@code answer}, {@code category}, the options {@code A..D}, ...); and where it came from.
 *
 * @param id     the record's id in its file ({@code id}, {@code index}, the tar key), or its position
 * @param fields extra columns or keys, as strings, in file order
 */
public record Record(String id, List<Turn> turns, List<ImageSource> images, Map<String, String> fields,
                     Provenance provenance) {

    public Record {
        Objects.requireNonNull(id, "id");
        turns = List.copyOf(turns);
        images = List.copyOf(images);
        fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
        Objects.requireNonNull(provenance, "provenance");
    }

    /** Placeholders over all turns; a valid record has exactly one image per placeholder. */
    public int placeholderCount() {
        return turns.stream().mapToInt(Turn::imageCount).sum();
    }
}

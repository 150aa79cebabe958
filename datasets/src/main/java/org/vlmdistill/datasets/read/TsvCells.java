package org.vlmdistill.datasets.read;

import java.util.List;

/**
 * How a VLMEvalKit table's cells read, for code that looks at a record's {@code fields} after the
 * reader: the same rules {@link VlmEvalTsvReader} applies (pandas' missing values, Python list cells).
 */
public final class TsvCells {
    private TsvCells() {
    }

    /** Whether pandas reads {@code cell} as missing ({@code ""}, {@code NA}, {@code nan}, {@code None}, ...). */
    public static boolean isMissing(String cell) {
        return cell == null || VlmEvalTsvReader.isNa(cell);
    }

    /**
     * {@code "['a', 'b']"} as a list, anything else as one value (VLMEvalKit's {@code toliststr}).
     *
     * @throws IllegalArgumentException when a cell that opens a list is not a list of quoted strings
     */
    public static List<String> listOrOne(String cell, String field) {
        try {
            return VlmEvalTsvReader.listOrOne(cell, field);
        } catch (RecordRejected e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}

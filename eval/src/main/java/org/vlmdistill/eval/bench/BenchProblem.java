package org.vlmdistill.eval.bench;

import java.util.Objects;

/**
 * An item that was not scored, and why: a row the reader skipped, an image that does not decode, a
 * row without an answer, an answer letter that is not among the options. Listed in the report; the
 * scores say over how many items they were computed.
 *
 * @param index    the record's position among the file's records (from 0), or -1 for a row the reader
 *                 skipped before it became a record
 * @param id       the record's id, or its location when it has none
 * @param location where a person finds it: {@code "bench.tsv row 12"}
 * @param reason   a short machine-readable reason ({@code no_answer}, {@code answer_not_an_option},
 *                 {@code undecodable_image}, or the reader's skip reason)
 * @param detail   what exactly was wrong
 */
public record BenchProblem(int index, String id, String location, String reason, String detail) {
    public BenchProblem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }
}

package org.vlmdistill.distill.plan;

/**
 * A change to the run that lowers its peak, and by how much (the estimate recomputed with the change).
 *
 * @param change       what to change, in the run config's fields
 * @param savingBytes  the peak's drop
 */
public record Suggestion(String change, long savingBytes) {
}

package org.vlmdistill.distill.plan;

import java.util.List;

/** What a step holds on top of the resident state during one of its phases; the step's peak is the largest. */
public record MemoryPhase(String name, List<MemoryItem> items) {
    public MemoryPhase {
        items = List.copyOf(items);
    }

    public long bytes() {
        return items.stream().mapToLong(MemoryItem::bytes).sum();
    }
}

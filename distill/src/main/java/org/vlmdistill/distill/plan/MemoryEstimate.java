package org.vlmdistill.distill.plan;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The memory a run needs on its device: what stays for the whole run ({@link #resident}), what each
 * phase of a step adds on top ({@link #phases}), the peak (resident plus the largest phase), and, where
 * the peak exceeds the device, the changes that lower it ({@link #suggestions}, largest saving first).
 */
public record MemoryEstimate(PlanInputs inputs, List<MemoryItem> resident, List<MemoryPhase> phases,
                             List<Suggestion> suggestions, List<String> assumptions) {

    public MemoryEstimate {
        resident = List.copyOf(resident);
        phases = List.copyOf(phases);
        suggestions = List.copyOf(suggestions);
        assumptions = List.copyOf(assumptions);
    }

    public long residentBytes() {
        return resident.stream().mapToLong(MemoryItem::bytes).sum();
    }

    /** The phase that adds the most. */
    public MemoryPhase peakPhase() {
        return phases.stream().max(Comparator.comparingLong(MemoryPhase::bytes)).orElseThrow();
    }

    /** Resident state plus the largest phase. */
    public long peakBytes() {
        return residentBytes() + peakPhase().bytes();
    }

    /** Whether the peak fits the device; true where its capacity is unknown. */
    public boolean fits() {
        long capacity = inputs.target().capacityBytes();
        return capacity <= 0 || peakBytes() <= capacity;
    }

    /** The item of that name in the resident list or any phase. */
    public MemoryItem item(String name) {
        return java.util.stream.Stream.concat(resident.stream(), phases.stream().flatMap(p -> p.items().stream()))
                .filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no item " + name));
    }

    /** The report {@code vlmd distill --dry-run} prints. */
    public String describe() {
        Target t = inputs.target();
        Workload w = inputs.workload();
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "memory    per device, %s, %s; micro-batch %d x %d tokens, %d tile%s per sample,"
                        + " loss chunk %d rows%n", t.device(), t.dtype(), w.microBatch(), w.sequenceLength(),
                w.tilesPerSample(), w.tilesPerSample() == 1 ? "" : "s", w.lossChunk()));
        s.append("  resident for the whole run:\n");
        resident.forEach(i -> line(s, i));
        s.append(String.format(Locale.ROOT, "    %-44s %12s%n", "= resident", gib(residentBytes())));
        for (MemoryPhase p : phases) {
            s.append("  + during ").append(p.name()).append(":\n");
            p.items().forEach(i -> line(s, i));
            s.append(String.format(Locale.ROOT, "    %-44s %12s%n", "= " + p.name(), gib(p.bytes())));
        }
        s.append(String.format(Locale.ROOT, "  peak      %s (resident + %s)%n", gib(peakBytes()), peakPhase().name()));
        if (t.capacityBytes() > 0) {
            s.append(String.format(Locale.ROOT, "  device    %s (%s): %s%n", gib(t.capacityBytes()), t.capacitySource(),
                    fits() ? "fits, " + gib(t.capacityBytes() - peakBytes()) + " to spare"
                            : "DOES NOT FIT, " + gib(peakBytes() - t.capacityBytes()) + " over"));
        } else {
            s.append("  device    capacity unknown (").append(t.capacitySource()).append(")\n");
        }
        if (!fits() && !suggestions.isEmpty()) {
            s.append("  to fit, change (each alone; the peak falls by):\n");
            suggestions.forEach(g -> s.append(String.format(Locale.ROOT, "    - %-80s -%s%n", g.change(),
                    gib(g.savingBytes()))));
        }
        s.append("  assumes: ").append(String.join("; ", assumptions));
        return s.toString();
    }

    private static void line(StringBuilder s, MemoryItem i) {
        s.append(String.format(Locale.ROOT, "    %-44s %12s   %s%n", i.name(), gib(i.bytes()), i.formula()));
    }

    /** Bytes as GiB with three decimals (MiB below 1 GiB). */
    public static String gib(long bytes) {
        return bytes >= (1L << 30) ? String.format(Locale.ROOT, "%.3f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}

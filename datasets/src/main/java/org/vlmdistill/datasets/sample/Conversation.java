package org.vlmdistill.datasets.sample;

import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Turn;

import java.util.List;
import java.util.Objects;

/**
 * The messages a model is shown, without the images themselves: the k-th {@code <image>} placeholder over
 * all turns is the k-th image of the {@link ConversationImages} that go with it.
 *
 * @param id         the record's or item's id, for messages
 * @param provenance where the conversation came from (a data file's record, a benchmark item, a command-line argument)
 */
public record Conversation(String id, List<Turn> turns, Provenance provenance) {
    public Conversation {
        Objects.requireNonNull(id, "id");
        turns = List.copyOf(turns);
        Objects.requireNonNull(provenance, "provenance");
    }

    /** A record's turns, id and provenance (its image sources are decoded into {@link ConversationImages}). */
    public static Conversation of(Record record) {
        return new Conversation(record.id(), record.turns(), record.provenance());
    }

    /** Placeholders over all turns: how many images the conversation takes. */
    public int placeholderCount() {
        return turns.stream().mapToInt(Turn::imageCount).sum();
    }
}

package org.vlmdistill.eval.run;

import org.vlmdistill.eval.bench.BenchItem;
import org.vlmdistill.eval.bench.Choice;

import java.util.ArrayList;
import java.util.List;

/**
 * One question as asked: an item, or one rotation of a multiple-choice item's options for MMBench's
 * circular evaluation (rotation {@code k} shows option {@code (i + k) mod n}'s text under letter {@code i}).
 *
 * @param primary whether this is the item as the file gives it (what plain accuracy counts)
 */
record Task(BenchItem item, String id, List<Choice> choices, String answer, int rotation, boolean primary) {

    static Task of(BenchItem item, boolean primary) {
        return new Task(item, item.id(), item.choices(), item.references().getFirst(), 0, primary);
    }

    /** Every rotation of a multiple-choice item, the item itself first. */
    static List<Task> rotations(BenchItem item) {
        List<Choice> c = item.choices();
        int n = c.size();
        int answer = 0;
        while (!c.get(answer).letter().equals(item.answer())) {
            answer++;
        }
        List<Task> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            List<Choice> rotated = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                rotated.add(new Choice(c.get(i).letter(), c.get((i + k) % n).text()));
            }
            String letter = c.get(Math.floorMod(answer - k, n)).letter();
            out.add(new Task(item, k == 0 ? item.id() : item.id() + "@rot" + k, rotated, letter, k, k == 0));
        }
        return out;
    }

    /** The item as asked here (its options rotated), for the prompt. */
    BenchItem asked() {
        if (rotation == 0) {
            return item;
        }
        return new BenchItem(item.index(), id, item.category(), item.question(), item.images(), choices,
                List.of(answer), item.imageKey(), item.group(), item.provenance());
    }
}

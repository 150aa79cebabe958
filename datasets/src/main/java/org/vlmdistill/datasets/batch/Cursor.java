package org.vlmdistill.datasets.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Objects;

/**
 * Where a run stands in its data: the next batch is step {@code step} of epoch {@code epoch}.
 * Since an epoch's batches are a function of the seed, the epoch and the plan, this is all a
 * resumed run needs to see exactly the batches that would have come next.
 *
 * @param seed the run's seed; a restore with a different seed is refused
 * @param plan {@link BatchPlan#key()} of the plan that made it; a restore into another plan is refused
 */
public record Cursor(long seed, int epoch, int step, String plan) {

    public Cursor {
        if (epoch < 0 || step < 0) {
            throw new IllegalArgumentException("cursor at epoch " + epoch + " step " + step);
        }
        Objects.requireNonNull(plan, "plan");
    }

    /** {@code {"seed":..,"epoch":..,"step":..,"plan":".."}}: saved beside a checkpoint. */
    public String toJson() {
        try {
            return new ObjectMapper().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write cursor " + this, e);
        }
    }

    /** @throws IllegalArgumentException naming what in {@code json} is wrong */
    public static Cursor fromJson(String json) {
        try {
            return new ObjectMapper().readValue(json, Cursor.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a batch cursor: " + e.getOriginalMessage(), e);
        }
    }
}

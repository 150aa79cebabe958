package org.vlmdistill.datasets.batch;

/**
 * A sample failed to build for a reason other than a skip. Raised in a prefetch worker and rethrown
 * to the consumer by {@link BatchLoader#next()}; the cause is what {@link SampleSource#get} threw.
 */
public final class SampleBuildException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int index;
    private final String sampleId;
    private final int epoch;
    private final int step;

    public SampleBuildException(int index, String sampleId, int epoch, int step, Throwable cause) {
        super("sample " + index + " (" + sampleId + ") in epoch " + epoch + " step " + step + " failed: "
                + cause, cause);
        this.index = index;
        this.sampleId = sampleId;
        this.epoch = epoch;
        this.step = step;
    }

    public int index() {
        return index;
    }

    public String sampleId() {
        return sampleId;
    }

    public int epoch() {
        return epoch;
    }

    public int step() {
        return step;
    }
}

package org.vlmdistill.eval.run;

/** Where an evaluation is: one task (a model on a benchmark in a mode) at a time, counted in items. */
public interface EvalProgress {

    /** A task begins: {@code label} names it, {@code total} items. */
    void start(String label, long total);

    /** {@code items} more are done. */
    void advance(long items);

    /** The task ended; {@code summary} is its headline. */
    void finish(String summary);

    static EvalProgress silent() {
        return new EvalProgress() {
            @Override
            public void start(String label, long total) {
            }

            @Override
            public void advance(long items) {
            }

            @Override
            public void finish(String summary) {
            }
        };
    }
}

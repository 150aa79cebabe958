package org.vlmdistill.spark;

/**
 * A Spark job that failed, with its first task failure's message as the executor wrote it (a partition, its
 * records, the executor, and the cause: a model directory that cannot be opened names its path) rather than
 * Spark's stage report and stack trace.
 */
public final class SparkJobException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private SparkJobException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * {@code e} and its causes as plain exceptions carrying each one's class name, message and stack trace:
     * what a task throws must serialize for the driver to see it, and a cause may not (an exception holding a
     * {@code Path}); Spark's serialization debugger, which would name the field, fails on Java 25.
     */
    static RuntimeException portable(String message, Throwable e) {
        RuntimeException cause = e.getCause() == null || e.getCause() == e ? null
                : portable(e.getCause().getClass().getName() + ": " + e.getCause().getMessage(), e.getCause());
        RuntimeException copy = new RuntimeException(message, cause);
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }

    static SparkJobException of(String job, Exception e) {
        return new SparkJobException(job + " failed: " + taskMessage(e), e);
    }

    /**
     * The failing task's own message: Spark's {@code SparkException} says "Job aborted due to stage failure:
     * Task 0 in stage 0.0 failed 2 times, most recent failure: Lost task ...: CLASS: MESSAGE" and then the
     * executor's stack trace; the cause, when Spark could keep it, is the executor's exception.
     */
    static String taskMessage(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SparkTeacherLogits.PartitionFailedException || c instanceof SparkEval.UnitFailedException) {
                return c.getMessage();
            }
        }
        String m = String.valueOf(e.getMessage());
        for (String name : new String[]{SparkTeacherLogits.PartitionFailedException.class.getName(),
                SparkEval.UnitFailedException.class.getName()}) {
            int at = m.indexOf(name + ": ");
            if (at >= 0) {
                String rest = m.substring(at + name.length() + 2);
                int end = rest.indexOf("\n\tat ");
                return (end >= 0 ? rest.substring(0, end) : rest).strip();
            }
        }
        int line = m.indexOf('\n');
        return line >= 0 ? m.substring(0, line) : m;
    }
}

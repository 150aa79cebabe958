package org.vlmdistill.core.model;

import org.vlmdistill.core.config.ModelConfig;
import org.vlmdistill.core.device.ComputePolicy;

import java.util.Map;

/**
 * A loaded model: its files, config, parameters under their HF names, and the policy it computes
 * with. Closing it frees every array it owns.
 */
public interface Model extends AutoCloseable {

    /** The files it was built from (config tree, processor settings, directory if any). */
    ModelDirectory source();

    ModelConfig config();

    Parameters parameters();

    ComputePolicy policy();

    /** The parameters of each component ({@code vision}, {@code connector}, {@code text}, {@code lm_head}), in order. */
    Map<String, Parameters> components();

    @Override
    void close();
}

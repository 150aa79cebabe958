package org.vlmdistill.distill.plan;

import org.vlmdistill.core.tensor.DType;

/**
 * The device a run is planned for.
 *
 * @param device         its name ({@code cpu()}, {@code gpu(0)})
 * @param gpu            whether it is a GPU: the loss's chunks then take its composed form (the fused
 *                       kernels are CPU-only)
 * @param dtype          the dtype parameters and activations are held in (the compute policy's)
 * @param capacityBytes  the device's memory (GPU: total device memory; CPU: physical RAM), 0 if unknown
 * @param capacitySource where the capacity comes from, for the report
 */
public record Target(String device, boolean gpu, DType dtype, long capacityBytes, String capacitySource) {
    public Target {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("compute dtype must be floating point, got " + dtype);
        }
    }

    public Target withDType(DType other) {
        return new Target(device, gpu, other, capacityBytes, capacitySource);
    }
}

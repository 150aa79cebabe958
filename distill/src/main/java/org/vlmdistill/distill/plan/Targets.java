package org.vlmdistill.distill.plan;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.tensor.DType;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The device a plan is made for: this machine's, or one named ({@code gpu:80GiB}). */
public final class Targets {
    private static final Pattern NAMED = Pattern.compile("(cpu|gpu):(\\d+(?:\\.\\d+)?)(GiB|GB|MiB)", Pattern.CASE_INSENSITIVE);

    private Targets() {
    }

    /** The policy's device and dtype; its memory from the GPU (total) or the machine (physical RAM). */
    public static Target of(ComputePolicy policy) {
        Device d = policy.device();
        if (d.isGpu()) {
            long total = CudaUtils.getGpuMemory(d).getMax();
            return new Target(d.toString(), true, policy.computeDType(), total, "total memory of " + d);
        }
        long ram = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : 0;
        return new Target(d.toString(), false, policy.computeDType(), ram, "physical RAM");
    }

    /**
     * A named device, {@code gpu:80GiB} or {@code cpu:24GiB}: a GPU computes in bf16, the CPU in fp32, as
     * ComputePolicy's defaults do.
     */
    public static Target parse(String text) {
        Matcher m = NAMED.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("device '" + text + "': expected gpu:<size> or cpu:<size> with a size"
                    + " in GiB, GB or MiB, e.g. gpu:80GiB");
        }
        boolean gpu = m.group(1).equalsIgnoreCase("gpu");
        double n = Double.parseDouble(m.group(2));
        long bytes = switch (m.group(3).toLowerCase(Locale.ROOT)) {
            case "gib" -> (long) (n * (1L << 30));
            case "gb" -> (long) (n * 1e9);
            default -> (long) (n * (1L << 20));
        };
        return new Target(gpu ? "gpu (as asked)" : "cpu (as asked)", gpu, gpu ? DType.BF16 : DType.F32, bytes,
                "as given by --plan-device");
    }
}

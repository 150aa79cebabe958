package org.vlmdistill.core.device;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.core.bridge.LibTorchDispatcher;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.ConfigException;
import org.vlmdistill.core.tensor.DType;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one place that decides where tensors live and in which dtype models compute: CPU by default,
 * the GPU when DJL sees one; fp32 on CPU, bf16 on GPU (bf16 only through the libtorch bridge).
 *
 * <p>Switches, each a system property or the environment variable beside it:
 * {@code vlmd.device} / {@code VLMD_DEVICE} = {@code auto | cpu | gpu | gpu:N};
 * {@code vlmd.dtype} / {@code VLMD_DTYPE} = {@code auto | fp32 | bf16 | fp16};
 * {@code vlmd.ops} / {@code VLMD_OPS} = {@code auto | bridge | composed}.
 */
public record ComputePolicy(Device device, DType computeDType, TorchOps ops) {

    public ComputePolicy {
        if (!computeDType.isFloating()) {
            throw new IllegalArgumentException("compute dtype must be floating point, got " + computeDType);
        }
        if (computeDType == DType.BF16 && ops.bridged().isEmpty()) {
            throw new IllegalArgumentException("bf16 compute needs the libtorch bridge, but ops are " + ops.describe());
        }
    }

    /** The policy the switches in system properties and the environment ask for. */
    public static ComputePolicy fromEnvironment() {
        return resolve(name -> Optional.ofNullable(System.getProperty("vlmd." + name))
                .or(() -> Optional.ofNullable(System.getenv("VLMD_" + name.toUpperCase(Locale.ROOT)))), "vlmd.");
    }

    private static final java.util.regex.Pattern DEVICES = java.util.regex.Pattern.compile("auto|cpu|gpu|cuda|(gpu|cuda):\\d{1,6}");
    private static final java.util.Set<String> DTYPES = java.util.Set.of("auto", "fp32", "f32", "float32", "bf16", "bfloat16",
            "fp16", "f16", "float16");
    private static final String DEVICE_NAMES = "auto, cpu, gpu, gpu:N";
    private static final String DTYPE_NAMES = "auto, fp32, bf16, fp16";

    /**
     * What is wrong with explicit switches, one {@code name: ...} line each, from their spelling alone
     * (nothing loads, no device is asked): a run config checks its {@code compute} with this before
     * anything else.
     */
    public static List<String> problems(Map<String, String> switches) {
        List<String> problems = new java.util.ArrayList<>();
        switches.forEach((name, value) -> {
            String v = value.trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "device" -> {
                    if (!DEVICES.matcher(v).matches()) {
                        problems.add("device: '" + value + "' is not one of " + DEVICE_NAMES);
                    }
                }
                case "dtype" -> {
                    if (!DTYPES.contains(v)) {
                        problems.add("dtype: '" + value + "' is not one of " + DTYPE_NAMES);
                    }
                }
                case "ops" -> {
                    if (java.util.Arrays.stream(OpsMode.values()).noneMatch(m -> m.name().equalsIgnoreCase(v))) {
                        problems.add("ops: '" + value + "' is not one of " + java.util.Arrays.stream(OpsMode.values())
                                .map(m -> m.name().toLowerCase(Locale.ROOT)).toList());
                    }
                }
                default -> problems.add(name + ": unknown switch (known: device, dtype, ops)");
            }
        });
        return problems;
    }

    /** The policy for explicit switches ({@code device}, {@code dtype}, {@code ops}); absent means auto. */
    public static ComputePolicy of(Map<String, String> switches) {
        return of(switches, "vlmd.");
    }

    /**
     * As {@link #of(Map)}, a bad switch named {@code fieldPrefix + name} in the {@link ConfigException}
     * (a run config's {@code compute.device}).
     */
    public static ComputePolicy of(Map<String, String> switches, String fieldPrefix) {
        return resolve(name -> Optional.ofNullable(switches.get(name)), fieldPrefix);
    }

    private static ComputePolicy resolve(Function<String, Optional<String>> setting, String fieldPrefix) {
        DjlRuntime.ensureOffline();
        OpsMode mode = parse(setting, "ops", OpsMode.class, fieldPrefix);
        TorchOps ops = switch (mode) {
            case COMPOSED -> new ComposedOps();
            case BRIDGE -> new BridgeOps(LibTorchDispatcher.load().orElseThrow(() -> new IllegalStateException(
                    "vlmd.ops=bridge, but the loaded libtorch does not export aoti_torch_call_dispatcher")));
            case AUTO -> LibTorchDispatcher.load().<TorchOps>map(BridgeOps::new).orElseGet(ComposedOps::new);
        };
        Device device = device(setting.apply("device").orElse("auto"), fieldPrefix);
        Optional<DType> asked = dtype(setting.apply("dtype").orElse("auto"), fieldPrefix);
        DType compute = asked.orElse(device.isGpu() && !ops.bridged().isEmpty() ? DType.BF16 : DType.F32);
        if (compute == DType.BF16 && ops.bridged().isEmpty()) {
            throw new ConfigException(null, fieldPrefix + "dtype", "bf16 compute needs the libtorch bridge, but ops are "
                    + ops.describe());
        }
        return new ComputePolicy(device, compute, ops);
    }

    /** The dtype asked for; empty for auto. */
    private static Optional<DType> dtype(String text, String fieldPrefix) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> Optional.empty();
            case "fp32", "f32", "float32" -> Optional.of(DType.F32);
            case "bf16", "bfloat16" -> Optional.of(DType.BF16);
            case "fp16", "f16", "float16" -> Optional.of(DType.F16);
            default -> throw new ConfigException(null, fieldPrefix + "dtype",
                    "'" + text + "' is not one of " + DTYPE_NAMES);
        };
    }

    /** {@code text} checked and lower-cased: auto, cpu, gpu, cuda, gpu:N or cuda:N. */
    private static String deviceSpec(String text, String fieldPrefix) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (!DEVICES.matcher(t).matches()) {
            throw new ConfigException(null, fieldPrefix + "device", "'" + text + "' is not one of " + DEVICE_NAMES);
        }
        return t;
    }

    private static Device device(String text, String fieldPrefix) {
        String t = deviceSpec(text, fieldPrefix);
        if (t.equals("auto")) {
            return Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        }
        if (t.equals("cpu")) {
            return Device.cpu();
        }
        if (t.equals("gpu") || t.equals("cuda")) {
            return Device.gpu(); // DJL may report 0 GPUs when JNA cannot load cudart; trust the switch
        }
        return Device.gpu(Integer.parseInt(t.substring(t.indexOf(':') + 1)));
    }

    private static <E extends Enum<E>> E parse(Function<String, Optional<String>> setting, String name, Class<E> type,
                                               String fieldPrefix) {
        String value = setting.apply(name).orElse("auto");
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(null, fieldPrefix + name, "'" + value + "' is not one of "
                    + java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    /** One line for logs and reports. */
    public String describe() {
        return "device " + device + ", compute " + computeDType + ", ops: " + ops.describe();
    }
}

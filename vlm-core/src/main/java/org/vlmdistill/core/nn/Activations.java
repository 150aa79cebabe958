package org.vlmdistill.core.nn;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.tensor.Scalars;

import java.util.List;
import java.util.Locale;

/** The activations HF configs name in {@code hidden_act} / {@code projector_hidden_act} (transformers' ACT2FN). */
public final class Activations {
    /** The names {@link #apply} accepts. */
    public static final List<String> SUPPORTED = List.of(
            "gelu", "gelu_fast", "gelu_new", "gelu_pytorch_tanh", "quick_gelu", "relu", "silu", "swish");

    private Activations() {
    }

    /** Fails early, naming the field, for a name {@link #apply} would not take. */
    public static String check(String field, String name) {
        if (!SUPPORTED.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(field + ": unsupported activation \"" + name + "\"; supported: "
                    + String.join(", ", SUPPORTED));
        }
        return name;
    }

    public static NDArray apply(String name, NDArray x, TorchOps ops) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "silu", "swish" -> ops.silu(x);
            // erf form: torch's F.gelu default
            case "gelu" -> x.getNDArrayInternal().gelu();
            // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): GELUTanh / NewGELU / FastGELU agree up to rounding
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> ops.geluTanh(x);
            // x * sigmoid(1.702 x): CLIP's QuickGELU
            case "quick_gelu" -> x.mul(x.mul(Scalars.like(x, 1.702)).getNDArrayInternal().sigmoid());
            case "relu" -> x.getNDArrayInternal().relu();
            default -> throw new IllegalArgumentException(check("hidden_act", name));
        };
    }
}

package org.vlmdistill.core.tensor;

import ai.djl.ndarray.types.DataType;

import java.util.Locale;
import java.util.Optional;

/**
 * The one dtype table of the project: the safetensors name, the element size, the ATen
 * {@code c10::ScalarType} code used by the libtorch dispatcher, and the DJL {@link DataType} when
 * DJL's own JNI can hold it.
 *
 * <p>DJL 0.35.1's PyTorch JNI aborts the JVM (an uncatchable {@code terminate}) on
 * {@link DataType#BFLOAT16} and {@link DataType#INT16}; for those {@link #djl()} is empty and
 * tensors of that dtype only ever exist through the op bridge. The ATen codes are
 * {@code c10::ScalarType}'s enum values, which libtorch keeps stable (checked against
 * {@code aoti_torch_dtype_*} in the tests).
 */
public enum DType {
    F64("F64", 8, 7, DataType.FLOAT64),
    F32("F32", 4, 6, DataType.FLOAT32),
    F16("F16", 2, 5, DataType.FLOAT16),
    BF16("BF16", 2, 15, null),
    I64("I64", 8, 4, DataType.INT64),
    I32("I32", 4, 3, DataType.INT32),
    I16("I16", 2, 2, null),
    I8("I8", 1, 1, DataType.INT8),
    U8("U8", 1, 0, DataType.UINT8),
    BOOL("BOOL", 1, 11, DataType.BOOLEAN);

    private final String safetensorsName;
    private final int byteSize;
    private final int atenCode;
    private final DataType djl;

    DType(String safetensorsName, int byteSize, int atenCode, DataType djl) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
        this.atenCode = atenCode;
        this.djl = djl;
    }

    /** The name torch and HF configs use ({@code torch_dtype}: {@code "bfloat16"}, {@code "float32"}, ...). */
    public String torchName() {
        return switch (this) {
            case F64 -> "float64";
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case I64 -> "int64";
            case I32 -> "int32";
            case I16 -> "int16";
            case I8 -> "int8";
            case U8 -> "uint8";
            case BOOL -> "bool";
        };
    }

    /** The name in a safetensors header ({@code "BF16"}, {@code "F32"}, ...). */
    public String safetensorsName() {
        return safetensorsName;
    }

    public int byteSize() {
        return byteSize;
    }

    /** {@code c10::ScalarType} code, as the dispatcher's ScalarType arguments take it. */
    public int atenCode() {
        return atenCode;
    }

    /** DJL's dtype, empty where DJL's JNI would abort the JVM on it. */
    public Optional<DataType> djl() {
        return Optional.ofNullable(djl);
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The dtype named in a safetensors header, or empty for one this project does not read. */
    public static Optional<DType> fromSafetensors(String name) {
        for (DType d : values()) {
            if (d.safetensorsName.equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /**
     * The dtype of a DJL array. DJL reports tensors it cannot name (bf16, int16 made by the bridge)
     * as {@link DataType#UNKNOWN}; the caller must then ask the bridge.
     */
    public static Optional<DType> fromDjl(DataType dataType) {
        for (DType d : values()) {
            if (d.djl == dataType) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** Accepts the safetensors name or common aliases ({@code bf16}, {@code bfloat16}, {@code float32}). */
    public static DType parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        return switch (t) {
            case "FLOAT64", "DOUBLE", "FP64" -> F64;
            case "FLOAT32", "FLOAT", "FP32" -> F32;
            case "FLOAT16", "HALF", "FP16" -> F16;
            case "BFLOAT16" -> BF16;
            case "INT64", "LONG" -> I64;
            case "INT32", "INT" -> I32;
            case "INT16", "SHORT" -> I16;
            case "INT8" -> I8;
            case "UINT8" -> U8;
            case "BOOLEAN" -> BOOL;
            default -> fromSafetensors(t).orElseThrow(() -> new IllegalArgumentException(
                    "unknown dtype '" + text + "'; expected one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL"));
        };
    }
}

package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.HfConfigs;
import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.safetensors.TensorData;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.core.tensor.TensorLoader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Saves a model as a Hugging Face directory that transformers loads unchanged: {@code config.json}
 * (the source tree, every key kept, {@code torch_dtype} set to the saved dtype), the parameters under
 * their HF names in {@code model.safetensors} (sharded past {@link #DEFAULT_MAX_SHARD_BYTES} with an
 * index, as {@code save_pretrained}), and the source directory's tokenizer, processor, template and
 * generation files copied.
 *
 * <p>The directory appears whole or not at all: everything is written into a staging directory beside
 * it, which then replaces it by rename ({@link AtomicFiles#writeDirectory}).
 */
public final class ModelWriter {
    /** transformers' {@code max_shard_size="5GB"} (decimal, as HF's parse_size_to_int). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private ModelWriter() {
    }

    /** Saves in the model's compute dtype. */
    public static void save(Model model, Path out) throws IOException {
        save(model, out, Optional.empty(), DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * @param dtype         the dtype to store, else the parameters' own
     * @param maxShardBytes tensor bytes per shard
     */
    public static void save(Model model, Path out, Optional<DType> dtype, long maxShardBytes) throws IOException {
        AtomicFiles.writeDirectory(out, staging -> {
            DType stored = write(model, staging, dtype, maxShardBytes);
            writeConfig(model.source().configJson(), stored, staging.resolve(HfConfigs.CONFIG_FILE));
            for (Path f : model.source().companionFiles()) {
                Files.copy(f, staging.resolve(f.getFileName().toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        });
    }

    /**
     * Writes the parameters' bytes, each copied off its array when the writer reaches it (deferred
     * {@link TensorData}) and dropped once written: saving holds one tensor's copy (and, for another dtype,
     * its cast) at a time, not a copy of the whole model beside the model.
     */
    private static DType write(Model model, Path dir, Optional<DType> dtype, long maxShardBytes) throws IOException {
        TorchOps ops = model.policy().ops();
        TensorLoader bytes = new TensorLoader(ops);
        List<TensorData> tensors = new ArrayList<>();
        DType stored = null;
        for (Parameter p : model.parameters().list()) {
            NDArray array = p.array();
            DType own = bytes.dtypeOf(array);
            DType target = dtype.orElse(own);
            stored = stored == null ? target : stored;
            tensors.add(TensorData.deferred(p.name(), target, array.getShape().getShape(), () -> {
                if (target == own) {
                    return bytes.toBytes(array).data();
                }
                try (NDArray detached = array.stopGradient(); NDArray cast = ops.cast(detached, target)) {
                    return bytes.toBytes(cast).data(); // a heap copy: it outlives the cast
                }
            }));
        }
        SafetensorsWriter.writeSharded(dir, tensors, Map.of("format", "pt"), maxShardBytes);
        return stored == null ? dtype.orElse(DType.F32) : stored;
    }

    /** transformers writes {@code json.dumps(config, indent=2, sort_keys=True) + "\n"}. */
    static void writeConfig(ObjectNode config, DType stored, Path file) throws IOException {
        String key = config.has("dtype") && !config.has("torch_dtype") ? "dtype" : "torch_dtype";
        config.put(key, stored.torchName());
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        Object sorted = JSON.treeToValue(config, Object.class);
        String text = JSON.writer(printer).writeValueAsString(sorted).replace("\" : ", "\": ") + "\n";
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8), AtomicFiles.Durability.SYNC);
    }
}

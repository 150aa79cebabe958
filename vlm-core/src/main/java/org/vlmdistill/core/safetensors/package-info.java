/**
 * Reading and writing the Hugging Face safetensors format, pure I/O: bytes and shapes, no DJL.
 *
 * <p>Layout of a file: {@code [u64 little-endian N][N bytes UTF-8 JSON header][data area]}. The
 * header maps each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}, offsets
 * relative to the data area (absolute offset {@code 8 + N}); the optional {@code "__metadata__"}
 * maps strings to strings. A sharded checkpoint adds {@code model.safetensors.index.json} mapping
 * each tensor name to its shard file.
 *
 * <ul>
 *   <li>{@link org.vlmdistill.core.safetensors.SafetensorsFile}: one file, memory-mapped, validated.</li>
 *   <li>{@link org.vlmdistill.core.safetensors.SafetensorsCheckpoint}: a model directory, sharded or not.</li>
 *   <li>{@link org.vlmdistill.core.safetensors.SafetensorsWriter}: atomic writes in HF's exact layout, and sharding.</li>
 *   <li>{@link org.vlmdistill.core.safetensors.SafetensorsException}: every malformed input, naming file and tensor.</li>
 * </ul>
 *
 * Dtypes are {@link org.vlmdistill.core.tensor.DType}, the project's one dtype table.
 */
package org.vlmdistill.core.safetensors;

package org.vlmdistill.tiny;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.config.HfConfigs;
import org.vlmdistill.core.config.Idefics3Config;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link TinyModels.Spec#withPatchSize}: the written config and patch conv carry the patch side, and a tile
 * gives (tile / patch)^2 / scale^2 image tokens.
 */
class TinyIdefics3PatchTest {

    @Test
    void patchSizeReachesConfigWeightsAndImageTokenCount(@TempDir Path tmp) throws Exception {
        // a patch side that divides the 64-pixel tile, and a scale factor that divides the patch grid
        int[] patches = {4, 8, 16, 32};
        int patch = patches[new Random().nextInt(patches.length)];
        int side = 64 / patch;
        int scale = side % 2 == 0 ? 2 : 1;
        TinyModels.Spec spec = TinyModels.Spec.defaults().withVision(64, scale, 64).withPatchSize(patch);
        Path dir = TinyModels.idefics3(tmp.resolve("m"), 3, spec);
        Idefics3Config config = assertInstanceOf(Idefics3Config.class, HfConfigs.read(dir));
        assertEquals(patch, config.visionConfig().patchSize(), "patch " + patch);
        assertEquals(side * side / (scale * scale), config.imageSeqLength(), "patch " + patch + ", scale " + scale);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            String conv = ckpt.names().stream().filter(n -> n.endsWith("patch_embedding.weight")).findFirst()
                    .orElseThrow();
            assertEquals(List.of((long) spec.visionHidden(), 3L, (long) patch, (long) patch),
                    ckpt.tensor(conv).shape(), conv);
        }
    }

    @Test
    void defaultsKeepEightPixelPatchesAndRefuseANonPositiveOne() {
        assertEquals(8, TinyModels.Spec.defaults().patchSize());
        assertThrows(IllegalArgumentException.class, () -> TinyModels.Spec.defaults().withPatchSize(0));
    }
}

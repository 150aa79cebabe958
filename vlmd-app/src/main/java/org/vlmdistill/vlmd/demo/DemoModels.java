package org.vlmdistill.vlmd.demo;

import org.vlmdistill.tiny.TinyModels;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The demo's model shapes, both Idefics3 (SmolVLM) with the Shapes tokenizer. The teacher sees a 64x64
 * Shapes image as one tile (16 image tokens, scale factor 2) through a vision tower 64 wide and 3 deep,
 * and has a text model 128 wide and 4 deep; the student splits the image into 2x2 tiles of 32 plus a
 * global tile (20 image tokens) through a tower 32 wide and 2 deep, with a text model 32 wide and 2 deep.
 * The two streams differ in image tokens, so the demo exercises the stream alignment real pairs need.
 */
public final class DemoModels {
    private DemoModels() {
    }

    public static TinyModels.Spec teacher() {
        return student().withText(128, 4).withVisionTower(64, 3).withVision(64, 2, 64);
    }

    public static TinyModels.Spec student() {
        return TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words()));
    }

    /** A student with fresh weights drawn from {@code seed}. */
    public static Path writeStudent(Path dir, long seed) throws IOException {
        return TinyModels.idefics3(dir, seed, student());
    }
}

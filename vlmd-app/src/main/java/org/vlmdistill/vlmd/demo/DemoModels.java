package org.vlmdistill.vlmd.demo;

import org.vlmdistill.datasets.shapes.QuestionKind;
import org.vlmdistill.datasets.shapes.ShapesConfig;
import org.vlmdistill.tiny.TinyModels;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;

/**
 * The demo's task and model shapes, both models Idefics3 (SmolVLM) with the Shapes tokenizer.
 *
 * <p>The task ({@link #shapes()}): 64x64 Shapes images on a 4x4 grid of 16-pixel cells, 1 to 4 shapes, every
 * question kind equally often. The teacher sees the image as one tile cut into 16-pixel patches with scale
 * factor 1, so each of its 16 image tokens is exactly one grid cell: a shape's outline and its colour land
 * in the same token, and "what colour is the circle" becomes a look-up. (That alone was not enough: on single
 * questions the teacher stayed near the answer prior; it learns from conversations, {@link Demo#trainTeacher}.)
 * The teacher's tower is 64 wide and 3 deep, its text model 128 wide and 4 deep.
 *
 * <p>The student splits the image into 2x2 tiles of 32 plus a global tile (20 image tokens: 8-pixel patches,
 * scale factor 2) through a tower 32 wide and 2 deep, with a text model 32 wide and 2 deep. The two
 * streams differ in image tokens, so the demo exercises the stream alignment real pairs need.
 */
public final class DemoModels {
    /** Cells per side of the demo's Shapes grid; {@link #TEACHER_PATCH} pixels each. */
    public static final int GRID = 4;
    public static final int IMAGE_SIZE = 64;
    /** The teacher's patch side: one grid cell. */
    public static final int TEACHER_PATCH = IMAGE_SIZE / GRID;

    private DemoModels() {
    }

    /** The demo's Shapes task: {@link ShapesConfig#defaults()} but for the 4x4 grid the teacher's patches cover. */
    public static ShapesConfig shapes() {
        ShapesConfig d = ShapesConfig.defaults();
        return new ShapesConfig(IMAGE_SIZE, GRID, d.minShapes(), d.maxShapes(), new EnumMap<QuestionKind, Integer>(d.mix()));
    }

    public static TinyModels.Spec teacher() {
        return student().withText(128, 4).withVisionTower(64, 3).withVision(IMAGE_SIZE, 1, IMAGE_SIZE)
                .withPatchSize(TEACHER_PATCH);
    }

    public static TinyModels.Spec student() {
        return TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words()));
    }

    /** A student with fresh weights drawn from {@code seed}. */
    public static Path writeStudent(Path dir, long seed) throws IOException {
        return TinyModels.idefics3(dir, seed, student());
    }
}

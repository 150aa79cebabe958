package org.vlmdistill.distill.data;

import org.vlmdistill.tiny.TinyModels;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.datasets.batch.BatchPlan;
import org.vlmdistill.datasets.batch.BatchingConfig;
import org.vlmdistill.datasets.batch.Cursor;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.sample.ModelSamples;
import org.vlmdistill.datasets.sample.SampleOptions;
import org.vlmdistill.datasets.shapes.ShapesDataset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A tiny teacher and student that share a tokenizer covering the Shapes words but differ in text size,
 * padded vocab size and image-token count (the teacher: one 32-pixel tile at scale factor 1, 16 image
 * tokens; the student: 2x2 tiles plus the global image at scale factor 2, 20), and a Shapes train set.
 */
public final class TinyPair implements AutoCloseable {
    public static final TinyModels.Spec STUDENT = TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words()))
            .withVocabPadding(6);
    public static final TinyModels.Spec TEACHER = STUDENT.withText(48, 3).withVocabPadding(40).withVision(32, 1, 32);

    public final Path studentDir;
    public final Path teacherDir;
    public final Path data;
    public final ModelSamples studentSamples;
    public final ModelSamples teacherSamples;

    private TinyPair(Path studentDir, Path teacherDir, Path data) throws IOException {
        this.studentDir = studentDir;
        this.teacherDir = teacherDir;
        this.data = data;
        this.studentSamples = ModelSamples.open(studentDir, SampleOptions.defaults());
        this.teacherSamples = ModelSamples.open(teacherDir, SampleOptions.defaults());
    }

    /** Models from {@code seed} under {@code tmp}, and a Shapes set of {@code records} train records. */
    public static TinyPair create(Path tmp, long seed, int records) throws IOException {
        Path student = TinyModels.idefics3(tmp.resolve("student"), seed, STUDENT);
        Path teacher = TinyModels.idefics3(tmp.resolve("teacher"), seed + 1, TEACHER);
        Path shapes = tmp.resolve("shapes");
        ShapesDataset.write(shapes, records, 1, seed);
        return new TinyPair(student, teacher, shapes.resolve(ShapesDataset.TRAIN_JSONL));
    }

    /** The train records for both models; {@code withTeacher} false for the cached-teacher path. */
    public PairedSamples samples(boolean withTeacher) throws IOException {
        return PairedSamples.read(List.of(data), ReaderOptions.DEFAULTS, new ImageDecoder(), studentSamples,
                withTeacher ? teacherSamples : null);
    }

    public StepBatches batches(PairedSamples samples, BatchingConfig config, Cursor from, int epochs, int ahead) {
        BatchPlan plan = BatchPlan.of(config, samples.size());
        return StepBatches.open(samples, plan, StepBatches.collator(studentSamples, ModelDirectory.open(studentDir)),
                samples.hasTeacher() ? StepBatches.collator(teacherSamples, ModelDirectory.open(teacherDir)) : null,
                from == null ? plan.start() : from, epochs, ahead);
    }

    @Override
    public void close() {
        studentSamples.close();
        teacherSamples.close();
    }
}

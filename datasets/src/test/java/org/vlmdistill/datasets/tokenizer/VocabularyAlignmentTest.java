package org.vlmdistill.datasets.tokenizer;

import org.vlmdistill.tiny.TinyModels;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VocabularyAlignmentTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    @TempDir
    Path tmp;

    private Path tokenizer(String name, List<String> words) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        TinyModels.writeTokenizer(dir, words);
        return dir.resolve("tokenizer.json");
    }

    @Test
    void sharedVocabIsTheSmallerConfigSizeAndExtraTokensAreWarnings() throws Exception {
        System.out.println("VocabularyAlignmentTest seed " + seed);
        List<String> words = TinyModels.vocabulary(ShapesVocabulary.words());
        int extra = 1 + random.nextInt(5);
        List<String> more = new ArrayList<>(words);
        for (int i = 0; i < extra; i++) {
            more.add("extra" + i);
        }
        Path student = tokenizer("student", words);
        Path teacher = tokenizer("teacher", more);
        int tokens = TinyModels.SPECIAL.size() + words.size();
        // the student's config pads past the teacher's extra tokens; Qwen2-style 151936 vs 152064
        int studentVocab = tokens + extra + 3;
        int teacherVocab = studentVocab + 128;
        VocabularyAlignment.Result r = VocabularyAlignment.check(student, studentVocab, teacher, teacherVocab);
        assertEquals(studentVocab, r.sharedVocab());
        assertEquals(tokens, r.checkedIds());
        assertEquals(extra, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().getFirst().contains("id " + tokens + " is \"extra0\" in the teacher's tokenizer only"),
                r.warnings().toString());
        assertEquals(151936, VocabularyAlignment.check(student, 151936, teacher, 152064).sharedVocab());
    }

    @Test
    void refusesTokenizersThatDisagreeOnASharedId() throws Exception {
        System.out.println("VocabularyAlignmentTest seed " + seed);
        List<String> words = TinyModels.vocabulary(ShapesVocabulary.words());
        List<String> swapped = new ArrayList<>(words);
        int a = random.nextInt(words.size());
        int b = (a + 1 + random.nextInt(words.size() - 1)) % words.size();
        Collections.swap(swapped, a, b);
        Path student = tokenizer("student", words);
        Path teacher = tokenizer("teacher", swapped);
        int size = TinyModels.SPECIAL.size() + words.size();
        AlignmentException e = assertThrows(AlignmentException.class,
                () -> VocabularyAlignment.check(student, size, teacher, size + 64));
        String m = e.getMessage();
        int first = TinyModels.SPECIAL.size() + Math.min(a, b);
        assertTrue(m.contains(student.toString()) && m.contains(teacher.toString()), m);
        assertTrue(m.contains("disagree on 2 of the " + size + " ids"), m);
        assertTrue(m.contains("id " + first + ": student \"" + words.get(Math.min(a, b)) + "\", teacher \""
                + words.get(Math.max(a, b)) + "\""), m);
        assertEquals(2, e.problems().size());
    }

    @Test
    void specialTokensCountToo() throws Exception {
        Path student = tokenizer("student", TinyModels.WORDS);
        Path teacher = tokenizer("teacher", TinyModels.WORDS);
        String json = Files.readString(teacher).replace("\"<global-img>\"", "\"<global_img>\"");
        Files.writeString(teacher, json);
        int size = TinyModels.SPECIAL.size() + TinyModels.WORDS.size();
        AlignmentException e = assertThrows(AlignmentException.class,
                () -> VocabularyAlignment.check(student, size, teacher, size));
        assertTrue(e.getMessage().contains("\"<global-img>\", teacher \"<global_img>\""), e.getMessage());
    }
}

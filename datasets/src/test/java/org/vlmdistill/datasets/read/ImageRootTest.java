package org.vlmdistill.datasets.read;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.record.ImageSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageRootTest {
    @TempDir
    Path tmp;
    Path root;
    Path secret;

    @BeforeEach
    void layout() throws IOException {
        root = tmp.resolve("root");
        Fixtures.image(root.resolve("images/a.jpg"));
        secret = Fixtures.image(tmp.resolve("secret/s.jpg"));
    }

    private SkipReason rejected(ImageRoot r, String path) {
        return assertThrows(RecordRejected.class, () -> r.resolve("image", path), path).reason;
    }

    @Test
    void pathsInsideTheRootResolveToTheirRealFile() throws Exception {
        ImageRoot r = new ImageRoot(root);
        Path real = root.resolve("images/a.jpg").toRealPath();
        assertEquals(new ImageSource.File(real), r.resolve("image", "images/a.jpg"));
        assertEquals(new ImageSource.File(real), r.resolve("image", "./images/../images/a.jpg"));
        assertEquals(new ImageSource.File(real), r.resolve("image", "images//a.jpg"));
    }

    @Test
    void pathsThatClimbOutOrAreAbsoluteAreRefusedBeforeTheFileSystemIsAsked() {
        ImageRoot r = new ImageRoot(root);
        assertEquals(SkipReason.IMAGE_OUTSIDE_ROOT, rejected(r, "../secret/s.jpg"));
        assertEquals(SkipReason.IMAGE_OUTSIDE_ROOT, rejected(r, "images/../../secret/s.jpg"));
        assertEquals(SkipReason.IMAGE_OUTSIDE_ROOT, rejected(r, secret.toString()));
        assertEquals(SkipReason.IMAGE_OUTSIDE_ROOT, rejected(r, "/etc/passwd"));
        assertEquals(SkipReason.MISSING_IMAGE, rejected(r, "."));
        assertEquals(SkipReason.MISSING_IMAGE, rejected(r, "images/.."));
        assertEquals(SkipReason.IMAGE_OUTSIDE_ROOT, rejected(r, "../root-sibling.jpg"));
        assertEquals(SkipReason.MALFORMED_RECORD, rejected(r, ""));
        assertEquals(SkipReason.MALFORMED_RECORD, rejected(r, "a\0b.jpg"));
    }

    @Test
    void aSiblingDirectorySharingTheRootsNamePrefixIsOutside() throws IOException {
        Fixtures.image(tmp.resolve("root2/x.jpg"));
        assertEquals(SkipReason.IMAGE_OUTSIDE_ROOT, rejected(new ImageRoot(root), "../root2/x.jpg"));
    }

    @Test
    void symlinksArePermittedOnlyWhenTheirTargetIsInside() throws IOException {
        Files.createSymbolicLink(root.resolve("images/out.jpg"), secret);
        Files.createSymbolicLink(root.resolve("outdir"), secret.getParent());
        Files.createSymbolicLink(root.resolve("images/in.jpg"), root.resolve("images/a.jpg"));
        Files.createSymbolicLink(root.resolve("images/relative-out.jpg"), Path.of("../../secret/s.jpg"));
        Files.createSymbolicLink(root.resolve("images/dangling.jpg"), root.resolve("images/none.jpg"));
        ImageRoot r = new ImageRoot(root);

        assertEquals(SkipReason.IMAGE_OUTSIDE_ROOT, rejected(r, "images/out.jpg"));
        assertEquals(SkipReason.IMAGE_OUTSIDE_ROOT, rejected(r, "outdir/s.jpg"));
        assertEquals(SkipReason.IMAGE_OUTSIDE_ROOT, rejected(r, "images/relative-out.jpg"));
        assertEquals(SkipReason.MISSING_IMAGE, rejected(r, "images/dangling.jpg"));
        assertEquals(SkipReason.MISSING_IMAGE, rejected(r, "images/none.jpg"));
        assertEquals(SkipReason.MISSING_IMAGE, rejected(r, "images"));
        assertTrue(assertThrows(RecordRejected.class, () -> r.resolve("image", "images/out.jpg")).getMessage()
                .contains(secret.toRealPath().toString()));
        assertEquals(root.resolve("images/a.jpg").toRealPath(),
                assertThrowsNothing(r, "images/in.jpg").path());
    }

    @Test
    void aRootThatIsItselfALinkConfinesToItsTarget() throws IOException {
        Path linkedRoot = Files.createSymbolicLink(tmp.resolve("linked"), root);
        ImageRoot r = new ImageRoot(linkedRoot);
        assertEquals(root.resolve("images/a.jpg").toRealPath(), assertThrowsNothing(r, "images/a.jpg").path());
        assertEquals(SkipReason.IMAGE_OUTSIDE_ROOT, rejected(r, "../secret/s.jpg"));
    }

    @Test
    void aMissingRootMakesEveryImageMissingAndSaysWhy() {
        ImageRoot r = new ImageRoot(tmp.resolve("nowhere"));
        RecordRejected e = assertThrows(RecordRejected.class, () -> r.resolve("image", "a.jpg"));
        assertEquals(SkipReason.MISSING_IMAGE, e.reason);
        assertTrue(e.getMessage().contains("image root"), e.getMessage());
    }

    private static ImageSource.File assertThrowsNothing(ImageRoot r, String path) {
        try {
            return r.resolve("image", path);
        } catch (RecordRejected e) {
            throw new AssertionError(path + ": " + e.getMessage());
        }
    }
}

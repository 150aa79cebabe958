package org.vlmdistill.datasets.read;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BraceExpansionTest {
    @Test
    void rangesArePaddedLikePythonsBraceexpand() {
        assertEquals(List.of("shard-000.tar", "shard-001.tar", "shard-002.tar"), BraceExpansion.expand("shard-{000..002}.tar"));
        assertEquals(List.of("s9", "s10"), BraceExpansion.expand("s{9..10}"));
        assertEquals(List.of("s3", "s2", "s1"), BraceExpansion.expand("s{3..1}"));
        assertEquals(List.of("a007", "a008"), BraceExpansion.expand("a{7..008}"));
        assertEquals(1000, BraceExpansion.expand("x-{000000..000999}.tar").size());
    }

    @Test
    void listsAndSeveralGroupsMultiplyOutLeftToRight() {
        assertEquals(List.of("train.tar", "val.tar"), BraceExpansion.expand("{train,val}.tar"));
        assertEquals(List.of("a/0", "a/1", "b/0", "b/1"), BraceExpansion.expand("{a,b}/{0..1}"));
        assertEquals(List.of("plain.tar"), BraceExpansion.expand("plain.tar"));
        assertEquals(List.of("x.tar", "y.tar"), BraceExpansion.expand("{x,y}.tar"));
    }

    @Test
    void malformedPatternsAreRefusedNamingThePattern() {
        for (String bad : List.of("a{1..2", "a}b", "a{}b", "a{{1..2}}", "a{x..y}", "a{0..9999999}", "{1..2}}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BraceExpansion.expand(bad), bad);
            assertEquals(true, e.getMessage().contains(bad), e.getMessage());
        }
    }
}

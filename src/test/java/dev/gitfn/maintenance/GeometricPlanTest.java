package dev.gitfn.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class GeometricPlanTest {
    private static Map<String, Long> sizes(long... bytes) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (int i = 0; i < bytes.length; i++) {
            sizes.put("p" + i, bytes[i]);
        }
        return sizes;
    }

    @Test
    void smallPacksBelowAProgressionRollUp() {
        assertEquals(List.of("p0", "p1", "p2", "p3"), GeometricPlan.rollUp(sizes(1, 1, 1, 1, 100), 2));
        assertEquals(List.of("p1", "p2"), GeometricPlan.rollUp(sizes(100, 3, 3), 2), "smallest first");
    }

    @Test
    void aProgressionStaysAsItIs() {
        assertEquals(List.of(), GeometricPlan.rollUp(sizes(1, 2, 4, 8, 16), 2), "each exactly twice the last");
        assertEquals(List.of(), GeometricPlan.rollUp(sizes(10, 100), 2));
        assertEquals(List.of(), GeometricPlan.rollUp(sizes(5), 2));
        assertEquals(List.of(), GeometricPlan.rollUp(sizes(), 2));
    }

    @Test
    void theMergedPackMustFitBelowTheNextOneKept() {
        // 3+3 = 6 rolled; 10 < 2*6, so it joins; 16 < 2*16: it joins too; 100 stays.
        assertEquals(List.of("p0", "p1", "p2", "p3"), GeometricPlan.rollUp(sizes(3, 3, 10, 16, 100), 2));
        // One pack just below twice its neighbour breaks the progression there.
        assertEquals(List.of("p0", "p1"), GeometricPlan.rollUp(sizes(4, 7, 100), 2));
        assertEquals(List.of(), GeometricPlan.rollUp(sizes(4, 8, 100), 2));
        assertEquals(List.of("p0", "p1", "p2"), GeometricPlan.rollUp(sizes(4, 8, 100), 13), "a larger factor");
    }

    @Test
    void aPackExactlyFactorTimesTheRolledUpBytesStays() {
        // 1+1 = 2 rolled; 4 is exactly 2*2, so it already progresses and stays, as git keeps it.
        assertEquals(List.of("p0", "p1"), GeometricPlan.rollUp(sizes(1, 1, 4, 100), 2));
        // 3 < 2*(1+1): it joins, and then counts towards what the next one must exceed.
        assertEquals(List.of("p0", "p1", "p2"), GeometricPlan.rollUp(sizes(1, 1, 3, 100), 2));
        assertEquals(List.of("p0", "p1", "p2", "p3"), GeometricPlan.rollUp(sizes(1, 1, 3, 9, 100), 2),
                "9 < 2*(1+1+3)");
    }

    @Test
    void equalPacksAllRollUp() {
        assertEquals(List.of("p0", "p1", "p2"), GeometricPlan.rollUp(sizes(7, 7, 7), 2));
        assertEquals(List.of("p0", "p1"), GeometricPlan.rollUp(sizes(7, 7), 2));
    }

    @Test
    void theLargestIsTheBiggestPack() {
        assertEquals("p1", GeometricPlan.largest(sizes(3, 9, 4)));
        assertEquals("p0", GeometricPlan.largest(sizes(9, 9)), "ties go to the first name");
        assertNull(GeometricPlan.largest(sizes()));
    }
}

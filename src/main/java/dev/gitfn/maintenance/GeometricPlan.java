package dev.gitfn.maintenance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Which packs to merge, as {@code git repack --geometric=<factor>} chooses: sorted by
 * size, the largest packs that already form a progression (each at least
 * {@code factor} times everything smaller) stay; the small ones below them are rolled
 * into one. Many small pushes so cost one small merge each time, not a full repack.
 */
final class GeometricPlan {
    private GeometricPlan() {
    }

    /** The packs to roll up (two or more), smallest first; empty when the sizes already progress. */
    static List<String> rollUp(Map<String, Long> sizes, int factor) {
        List<Map.Entry<String, Long>> bySize = new ArrayList<>(sizes.entrySet());
        bySize.sort(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
        int n = bySize.size();
        // The first pack from the top whose smaller neighbour is too big for it breaks the progression.
        int split = 0;
        for (int i = n - 1; i > 0; i--) {
            if (bySize.get(i).getValue() < (long) factor * bySize.get(i - 1).getValue()) {
                split = i;
                break;
            }
        }
        // The merged pack must itself fit below the next one kept.
        long rolled = 0;
        for (int i = 0; i < split; i++) {
            rolled += bySize.get(i).getValue();
        }
        while (split < n && bySize.get(split).getValue() < (long) factor * rolled) {
            rolled += bySize.get(split).getValue();
            split++;
        }
        if (split < 2) {
            return List.of();
        }
        return bySize.subList(0, split).stream().map(Map.Entry::getKey).toList();
    }

    /** The largest pack by size (ties by name), or null for none. */
    static String largest(Map<String, Long> sizes) {
        Comparator<Map.Entry<String, Long>> bySize = Map.Entry.comparingByValue();
        Comparator<Map.Entry<String, Long>> byName = Map.Entry.comparingByKey();
        return sizes.entrySet().stream().max(bySize.thenComparing(byName.reversed()))
                .map(Map.Entry::getKey).orElse(null);
    }
}
